internal import Foundation
internal import Synchronization

/// The tenants being served, swapped in whole by the reloader.
///
/// Readers take the current runtime of a tenant without waiting on a reload; the reloader
/// builds complete runtimes outside the lock and swaps them in one step. Replaced runtimes
/// are kept (a few per tenant) so a conversation paused on an older pack version can resume
/// on it, and so are older versions restored from the pack cache for that purpose (in their
/// own list, so restoring one never pushes out a recently replaced version).
final class ActiveTenants: Sendable {
    private struct State {
        var current: [String: TenantRuntime] = [:]
        /// Recently replaced runtimes per tenant, newest first.
        var retired: [String: [TenantRuntime]] = [:]
        /// Versions restored from the pack cache per tenant, most recently used first.
        var restored: [String: [TenantRuntime]] = [:]
    }

    /// How many replaced runtimes, and separately how many restored ones, are kept per tenant.
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

    /// The pack digests of every current, retained and restored runtime (the cache must keep
    /// these).
    var digestsInUse: Set<String> {
        state.withLock { state in
            var digests = Set(state.current.values.flatMap(\.digests))
            for runtimes in Array(state.retired.values) + Array(state.restored.values) {
                digests.formUnion(runtimes.flatMap(\.digests))
            }
            return digests
        }
    }

    /// A runtime of `tenant` (current, retained or restored) whose pack providing `flowID` has
    /// `packDigest` (compared without regard to case).
    func runtime(for tenant: String, flowID: String, packDigest: String) -> TenantRuntime? {
        let wanted = packDigest.lowercased()
        let matches = { (runtime: TenantRuntime) in runtime.flowOwners[flowID]?.digest.lowercased() == wanted }
        return state.withLock { state in
            if let current = state.current[tenant], matches(current) { return current }
            if let retired = state.retired[tenant]?.first(where: matches) { return retired }
            guard var restored = state.restored[tenant], let index = restored.firstIndex(where: matches) else { return nil }
            let found = restored.remove(at: index)
            restored.insert(found, at: 0)
            state.restored[tenant] = restored
            return found
        }
    }

    /// Keeps `runtime`, an older version of its tenant brought back from the pack cache, while
    /// the tenant is served (the least recently used restored version goes first).
    func retain(_ runtime: TenantRuntime) {
        state.withLock { state in
            guard state.current[runtime.tenant] != nil else { return }
            var restored = state.restored[runtime.tenant] ?? []
            restored.removeAll { $0.digests == runtime.digests }
            restored.insert(runtime, at: 0)
            state.restored[runtime.tenant] = Array(restored.prefix(retainedVersions))
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
            for tenant in Set(state.retired.keys).union(state.restored.keys) where runtimes[tenant] == nil {
                state.retired[tenant] = nil
                state.restored[tenant] = nil
            }
            state.current = runtimes
        }
    }
}
