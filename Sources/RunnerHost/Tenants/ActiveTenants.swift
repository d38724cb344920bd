internal import Foundation
internal import Synchronization

/// The tenants being served, swapped in whole by the reloader.
///
/// Readers take the current runtime of a tenant without waiting on a reload; the reloader
/// builds complete runtimes outside the lock and swaps them in one step. Replaced runtimes
/// are kept (a few per tenant) so a conversation paused on an older pack version can resume
/// on it.
final class ActiveTenants: Sendable {
    private struct State {
        var current: [String: TenantRuntime] = [:]
        /// Recently replaced runtimes per tenant, newest first.
        var retired: [String: [TenantRuntime]] = [:]
    }

    /// How many replaced runtimes are kept per tenant.
    let retainedVersions: Int
    private let state = Mutex(State())

    init(retainedVersions: Int = 4) {
        self.retainedVersions = retainedVersions
    }

    /// The runtime serving `tenant`, if it is loaded.
    func runtime(for tenant: String) -> TenantRuntime? {
        state.withLock { $0.current[tenant] }
    }

    /// Every loaded runtime, sorted by tenant.
    var all: [TenantRuntime] {
        state.withLock { $0.current.values.sorted { $0.tenant < $1.tenant } }
    }

    var count: Int { state.withLock { $0.current.count } }

    /// The pack digests of every current and retained runtime (the cache must keep these).
    var digestsInUse: Set<String> {
        state.withLock { state in
            Set((state.current.values.flatMap(\.digests)) + state.retired.values.flatMap { $0.flatMap(\.digests) })
        }
    }

    /// A runtime of `tenant` (current or retained) whose pack providing `flowID` has `digest`.
    func runtime(for tenant: String, flowID: String, packDigest: String) -> TenantRuntime? {
        state.withLock { state in
            let candidates = [state.current[tenant]].compactMap { $0 } + (state.retired[tenant] ?? [])
            return candidates.first { $0.flowOwners[flowID]?.digest == packDigest }
        }
    }

    /// Keeps `runtime`, an older version of its tenant brought back from the pack cache, among
    /// the retained ones (newest first) while the tenant is served.
    func retain(_ runtime: TenantRuntime) {
        state.withLock { state in
            guard state.current[runtime.tenant] != nil else { return }
            var retired = state.retired[runtime.tenant] ?? []
            retired.removeAll { $0.digests == runtime.digests }
            retired.insert(runtime, at: 0)
            state.retired[runtime.tenant] = Array(retired.prefix(retainedVersions))
        }
    }

    /// Replaces the whole set: tenants missing from `runtimes` stop being served.
    func replace(with runtimes: [String: TenantRuntime]) {
        state.withLock { state in
            for (tenant, old) in state.current where runtimes[tenant]?.digests != old.digests {
                var retired = state.retired[tenant] ?? []
                retired.insert(old, at: 0)
                state.retired[tenant] = Array(retired.prefix(retainedVersions))
            }
            for tenant in state.retired.keys where runtimes[tenant] == nil {
                state.retired[tenant] = nil
            }
            state.current = runtimes
        }
    }
}
