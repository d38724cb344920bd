internal import Logging
internal import RunnerPacks

/// Brings back, from the pack cache, a pack version the runner no longer holds in memory, so a
/// conversation paused on it resumes there: after a restart, or once more versions were
/// deployed than ``ActiveTenants`` retains.
///
/// The restored runtime is the tenant's current set of packs with the paused flow's pack
/// replaced by the recorded version (every file read back from the cache by digest and verified
/// under the loader's policy, components compiled again), and is retained beside the current
/// one. Restores of one version are done once however many conversations ask at the same
/// time. A version the cache no longer has (evicted, or a fresh cache directory) or that no
/// longer verifies is not restored; the caller then falls back as ``ResumePlanner`` describes.
struct PackVersionRestorer: Sendable {
    let loader: PackLoader
    let builder: TenantRuntimeBuilder
    let tenants: ActiveTenants
    let logger: Logger
    private let serializer = KeyedSerializer()

    init(loader: PackLoader, builder: TenantRuntimeBuilder, tenants: ActiveTenants, logger: Logger) {
        self.loader = loader
        self.builder = builder
        self.tenants = tenants
        self.logger = logger
    }

    /// A runtime of `current`'s tenant whose pack providing `flowID` has `packDigest`, or `nil`.
    func restore(flowID: String, packDigest: String, current: TenantRuntime) async -> TenantRuntime? {
        await serializer.run("\(current.tenant)\u{0}\(packDigest.lowercased())") {
            if let retained = tenants.runtime(for: current.tenant, flowID: flowID, packDigest: packDigest) {
                return retained
            }
            do {
                return try await build(flowID: flowID, packDigest: packDigest, current: current)
            } catch {
                logger.warning(
                    "an older pack version could not be restored from the cache",
                    metadata: ["gt.tenant": .string(current.tenant), "digest": .string(packDigest), "error": .string("\(error)")]
                )
                return nil
            }
        }
    }

    private func build(flowID: String, packDigest: String, current: TenantRuntime) async throws -> TenantRuntime? {
        guard let old = try await loader.openCached(digest: packDigest, name: "\(current.tenant)/\(packDigest)") else {
            return nil
        }
        let oldID = old.loaded.manifest.meta.packID
        var inputs: [TenantRuntimeBuilder.Input] = []
        for version in current.packs {
            if version.packID == oldID {
                inputs.append(.init(digest: old.digest, pack: old.loaded))
                continue
            }
            guard let other = try await loader.openCached(digest: version.digest, name: version.packID) else { return nil }
            inputs.append(.init(digest: other.digest, pack: other.loaded))
        }
        if !current.packs.contains(where: { $0.packID == oldID }) {
            inputs.append(.init(digest: old.digest, pack: old.loaded))
        }
        let runtime = try await builder.buildOffPool(tenant: current.tenant, bindings: current.bindings, packs: inputs)
        guard let owner = runtime.flowOwners[flowID], PackDigest.matches(expected: packDigest, actual: owner.digest) else {
            return nil
        }
        tenants.retain(runtime)
        logger.info(
            "restored an older pack version from the cache for a paused conversation",
            metadata: [
                "gt.tenant": .string(current.tenant), "pack": .string(oldID), "version": .string(owner.version),
                "digest": .string(owner.digest),
            ]
        )
        return runtime
    }
}
