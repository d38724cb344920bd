import Foundation
import Logging
import RunnerFlow
import RunnerPacks
import RunnerTestSupport
import RunnerWasm
import Testing

@testable import RunnerHost

/// The reloader driven directly: what it rebuilds, keeps, removes and retains.
@Suite("Pack reloader")
struct PackReloaderTests {
    struct Fixture {
        let deployment: TestDeployment
        let tenants = ActiveTenants()
        let status = HostStatus()
        let wasm = WasmRuntime(configuration: .init(workerCount: 1))
        let reloader: PackReloader
        let cache: PackCache

        init() throws {
            deployment = try TestDeployment()
            cache = PackCache(root: deployment.directory.appendingPathComponent("cache"), maxTotalBytes: 1)
            reloader = PackReloader(
                indexLocation: deployment.indexPath,
                packSource: "fs",
                bindings: ["demo": TenantBindings(tenant: "demo"), "other": TenantBindings(tenant: "other")],
                loader: PackLoader(cache: cache),
                builder: TenantRuntimeBuilder(wasm: wasm, flowLimits: .init()),
                tenants: tenants,
                status: status,
                refreshInterval: .seconds(3600),
                logger: Logger(label: "test.reloader")
            )
        }

        func remove() {
            wasm.shutdown()
            deployment.remove()
        }
    }

    static func pack(_ label: String) -> TestPack {
        TestPack(version: "1.0.\(label.count)", flows: ["id: f\ntype: webhook\nnodes:\n  a: {qa.process: \(label)}\n"])
    }

    @Test func rebuildsOnlyWhatChangedAndRetainsReplacedVersions() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let first = try fixture.deployment.deploy(Self.pack("one"))
        let initial = await fixture.reloader.reload()
        #expect(initial.rebuilt == ["demo"])
        #expect(fixture.status.snapshot.ready)

        let again = await fixture.reloader.reload()
        #expect(again.rebuilt.isEmpty)
        #expect(again.unchanged == ["demo"])

        let second = try fixture.deployment.deploy(Self.pack("two!"))
        let changed = await fixture.reloader.reload()
        #expect(changed.rebuilt == ["demo"])
        #expect(fixture.tenants.runtime(for: "demo")?.digests == [second])
        // The replaced version is retained for paused conversations, and its cache file kept
        // although the cache is over its (1-byte) bound.
        #expect(fixture.tenants.runtime(for: "demo", flowID: "f", packDigest: first) != nil)
        #expect(fixture.tenants.digestsInUse == [first, second])
        #expect(Set(fixture.cache.entries().map(\.digest)) == [first, second])
    }

    @Test func tenantsLeavingTheIndexAreRemovedAndTheirFilesEvicted() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let digest = try fixture.deployment.deploy(Self.pack("one"), tenant: "other")
        #expect(await fixture.reloader.reload().rebuilt == ["other"])
        try fixture.deployment.deploy(Self.pack("three"), tenant: "demo")
        let report = await fixture.reloader.reload()
        #expect(report.removed == ["other"])
        #expect(fixture.tenants.runtime(for: "other") == nil)
        #expect(!fixture.cache.entries().map(\.digest).contains(digest), "an unused file beyond the bound is evicted")
    }

    @Test func anUnreadableIndexKeepsEverything() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.deployment.deploy(Self.pack("one"))
        _ = await fixture.reloader.reload()
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: fixture.deployment.indexPath))
        let report = await fixture.reloader.reload()
        #expect(report.indexError != nil)
        #expect(fixture.tenants.runtime(for: "demo") != nil)
        #expect(fixture.status.snapshot.lastError?.contains("pack index") == true)
    }
}
