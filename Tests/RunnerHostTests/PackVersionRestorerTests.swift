import Foundation
import Logging
import RunnerFlow
import RunnerPacks
import RunnerTestSupport
import RunnerWasm
import Testing

@testable import RunnerHost

/// Older pack versions brought back from the cache for paused conversations.
@Suite("Pack version restorer")
struct PackVersionRestorerTests {
    struct Fixture {
        let deployment: TestDeployment
        let tenants = ActiveTenants(retainedVersions: 1)
        let wasm = WasmRuntime(configuration: .init(workerCount: 1))
        let loader: PackLoader
        let reloader: PackReloader
        let logs = LogRecorder()

        init(policy: VerificationPolicy = .devOK) throws {
            deployment = try TestDeployment()
            loader = PackLoader(
                cache: PackCache(root: deployment.directory.appendingPathComponent("cache")),
                configuration: .init(policy: policy)
            )
            reloader = PackReloader(
                indexLocation: deployment.indexPath,
                packSource: "fs",
                bindings: ["demo": TenantBindings(tenant: "demo")],
                loader: loader,
                builder: TenantRuntimeBuilder(wasm: wasm, flowLimits: .init()),
                tenants: tenants,
                status: HostStatus(),
                refreshInterval: .seconds(3600),
                logger: Logger(label: "test.reloader")
            )
        }

        func restorer(loader: PackLoader? = nil) -> PackVersionRestorer {
            PackVersionRestorer(
                loader: loader ?? self.loader,
                builder: TenantRuntimeBuilder(wasm: wasm, flowLimits: .init()),
                tenants: tenants,
                logger: logs.logger
            )
        }

        /// Serves 1.0.0, 2.0.0, then 3.0.0. Only 2.0.0 is retained in memory, so only the cache
        /// still has 1.0.0; returns the digests of 1.0.0 and 2.0.0 and the current runtime.
        func deployThreeVersions() async throws -> (old: String, retired: String, current: TenantRuntime) {
            let old = try deployment.deploy(PackVersionRestorerTests.pack("1.0.0"))
            _ = await reloader.reload()
            let retired = try deployment.deploy(PackVersionRestorerTests.pack("2.0.0"))
            _ = await reloader.reload()
            try deployment.deploy(PackVersionRestorerTests.pack("3.0.0"))
            _ = await reloader.reload()
            #expect(tenants.runtime(for: "demo", flowID: "f", packDigest: old) == nil)
            #expect(tenants.runtime(for: "demo", flowID: "f", packDigest: retired) != nil)
            return (old, retired, try #require(tenants.runtime(for: "demo")))
        }

        func remove() {
            wasm.shutdown()
            deployment.remove()
        }
    }

    static func pack(_ version: String) -> TestPack {
        TestPack(version: version, flows: ["id: f\ntype: webhook\nnodes:\n  a: {qa.process: \(version)}\n"])
    }

    @Test func concurrentRequestsRestoreAVersionOnceAndKeepIt() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let (old, retired, current) = try await fixture.deployThreeVersions()

        let restorer = fixture.restorer()
        let versions = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask { await restorer.restore(flowID: "f", packDigest: old, current: current)?.flowOwners["f"]?.version }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(versions == Array(repeating: "1.0.0", count: 8))
        let restores = fixture.logs.recorded.filter { $0.message.contains("restored an older pack version") }
        #expect(restores.count == 1)
        #expect(fixture.tenants.digestsInUse.contains(old), "a restored version's cache file is kept from eviction")
        #expect(fixture.tenants.runtime(for: "demo", flowID: "f", packDigest: old.uppercased()) != nil, "digests match in any case")
        #expect(
            fixture.tenants.runtime(for: "demo", flowID: "f", packDigest: retired) != nil,
            "restoring does not push out the version retired by the last reload"
        )
    }

    @Test func aVersionTheCacheLostOrThatNoLongerVerifiesIsNotRestored() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let (old, _, current) = try await fixture.deployThreeVersions()

        // The strict policy refuses the dev-signed 1.0.0 file still in the cache, once: the
        // failure is remembered until the tenant's packs change.
        let strict = fixture.restorer(loader: PackLoader(cache: fixture.loader.cache, configuration: .init(policy: .strict)))
        #expect(await strict.restore(flowID: "f", packDigest: old, current: current) == nil)
        #expect(await strict.restore(flowID: "f", packDigest: old, current: current) == nil)
        let warnings = fixture.logs.recorded.filter { $0.level == .warning && $0.message.contains("could not be restored") }
        #expect(warnings.count == 1)
        #expect(warnings.first.map { "\($0.metadata["error"] ?? "")".contains("greentic-dev-local") } == true)

        // Evicted from the cache: nothing to restore.
        try FileManager.default.removeItem(at: try fixture.loader.cache.url(for: old))
        #expect(await fixture.restorer().restore(flowID: "f", packDigest: old, current: current) == nil)
        // Not a digest at all.
        #expect(await fixture.restorer().restore(flowID: "f", packDigest: "blake3:00", current: current) == nil)
    }
}
