internal import Foundation
internal import Synchronization

/// What the reloader last did, for `/healthz`, `/readyz` and `/admin/packs/status`.
final class HostStatus: Sendable {
    struct Snapshot: Sendable {
        /// When the last reload that loaded the index completed.
        var lastReload: Date?
        /// The last reload's problems (index error, or per-tenant errors), `nil` when clean.
        var lastError: String?
        /// Per-tenant load errors of the last reload.
        var tenantErrors: [String: String] = [:]
        /// Whether a reload has loaded at least one tenant.
        var ready = false
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    /// Records a reload that read the index; tenants that failed keep their previous version.
    func recordReload(at date: Date, tenantErrors: [String: String], loadedTenants: Int) {
        state.withLock { state in
            state.lastReload = date
            state.tenantErrors = tenantErrors
            state.lastError =
                tenantErrors.isEmpty
                ? nil : tenantErrors.keys.sorted().map { "tenant \($0): \(tenantErrors[$0] ?? "")" }.joined(separator: "; ")
            if loadedTenants > 0 { state.ready = true }
        }
    }

    /// Records a reload that failed as a whole (the index could not be read); the previous
    /// set keeps serving.
    func recordFailure(_ message: String) {
        state.withLock { $0.lastError = message }
    }
}
