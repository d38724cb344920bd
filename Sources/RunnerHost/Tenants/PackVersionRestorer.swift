internal import Logging
internal import RunnerPacks
internal import Synchronization

/// Brings back, from the pack cache, a pack version the runner no longer holds in memory, so a
/// conversation paused on it resumes there: after a restart, or once more versions were
/// deployed than ``ActiveTenants`` retains.
///
/// The restored runtime is the tenant's current set of packs with the paused flow's pack
/// replaced by the recorded version (every file read back from the cache by digest and verified
/// under the loader's policy, components compiled again), and is kept beside the current one.
/// Restores of one version are done once however many conversations ask at the same time, and
/// a version that cannot be restored is not tried again until the tenant's packs change. A
/// version the cache no longer has (evicted, or a fresh cache directory) or that no longer
/// verifies is not restored; the caller then falls back as ``ResumePlanner`` describes.
final class PackVersionRestorer: Sendable {
    let loader: PackLoader
    let builder: TenantRuntimeBuilder
    let tenants: ActiveTenants
    let logger: Logger
    private let serializer = KeyedSerializer()
    /// (tenant, digest, current digests) that could not be restored.
    private let failed = Mutex<Set<String>>([])
    private static let maxRememberedFailures = 1_024

    init(loader: PackLoader, builder: TenantRuntimeBuilder, tenants: ActiveTenants, logger: Logger) {
        self.loader = loader
        self.builder = builder
        self.tenants = tenants
        self.logger = logger
    }

    private struct Unrestorable: Error, CustomStringConvertible {
        var description: String
    }

    /// A runtime of `current`'s tenant whose pack providing `flowID` has `packDigest`, or `nil`.
    func restore(flowID: String, packDigest: String, current: TenantRuntime) async -> TenantRuntime? {
        let tenant = current.tenant
        let digest = packDigest.lowercased()
        return await serializer.run("\(tenant)\u{0}\(digest)") {
            if let kept = tenants.runtime(for: tenant, flowID: flowID, packDigest: digest) {
                return kept
            }
            // A reload may have finished while this event waited: build on what is served now.
            let serving = tenants.runtime(for: tenant) ?? current
            let attempt = "\(tenant)\u{0}\(digest)\u{0}\(serving.digests.joined(separator: ","))"
            if failed.withLock({ $0.contains(attempt) }) { return nil }
            do {
                return try await build(flowID: flowID, packDigest: digest, current: serving)
            } catch {
                failed.withLock { failed in
                    if failed.count >= Self.maxRememberedFailures { failed.removeAll() }
                    failed.insert(attempt)
                }
                logger.warning(
                    "an older pack version could not be restored from the cache",
                    metadata: ["gt.tenant": .string(tenant), "digest": .string(digest), "error": .string("\(error)")]
                )
                return nil
            }
        }
    }

    private func build(flowID: String, packDigest: String, current: TenantRuntime) async throws -> TenantRuntime {
        guard let old = try await loader.openCached(digest: packDigest, name: "\(current.tenant)/\(packDigest)") else {
            throw Unrestorable(description: "the pack cache no longer holds \(packDigest)")
        }
        let oldID = old.loaded.manifest.meta.packID
        var inputs: [TenantRuntimeBuilder.Input] = []
        for version in current.packs {
            if version.packID == oldID {
                inputs.append(.init(digest: old.digest, pack: old.loaded))
                continue
            }
            guard let other = try await loader.openCached(digest: version.digest, name: version.packID) else {
                throw Unrestorable(description: "the pack cache no longer holds \(version.packID) (\(version.digest)), served with it")
            }
            inputs.append(.init(digest: other.digest, pack: other.loaded))
        }
        if !current.packs.contains(where: { $0.packID == oldID }) {
            inputs.append(.init(digest: old.digest, pack: old.loaded))
        }
        let runtime = try await builder.buildOffPool(tenant: current.tenant, bindings: current.bindings, packs: inputs)
        guard let owner = runtime.flowOwners[flowID], PackDigest.matches(expected: packDigest, actual: owner.digest) else {
            throw Unrestorable(description: "in pack \(oldID) (\(packDigest)) flow \(flowID) is not provided by that pack")
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
