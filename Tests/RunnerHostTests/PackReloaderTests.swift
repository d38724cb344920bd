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

    /// Writes an index giving every tenant in `tenants` the pack at `packs/main.gtpack`.
    static func shareIndex(_ fixture: Fixture, digest: String, pack: TestPack, tenants: [String]) throws {
        let entries = tenants.map {
            #""\#($0)":{"main_pack":{"name":"\#(pack.packID)","version":"\#(pack.version)","digest":"\#(digest)","locator":"packs/main.gtpack"},"overlays":[]}"#
        }
        try Data("{\(entries.joined(separator: ","))}".utf8).write(to: URL(fileURLWithPath: fixture.deployment.indexPath))
    }

    /// Tenants on the same pack version share one build of it (verified, parsed and compiled
    /// once per reload), and a pack that does not build fails each of them under its own name.
    @Test func tenantsOnOnePackVersionShareItsBuildAndItsFailure() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let good = Self.pack("one")
        let goodDigest = try fixture.deployment.deploy(good)
        try Self.shareIndex(fixture, digest: goodDigest, pack: good, tenants: ["demo", "other"])
        let report = await fixture.reloader.reload()
        #expect(report.rebuilt.sorted() == ["demo", "other"])
        #expect(report.errors.isEmpty)
        #expect(fixture.tenants.runtime(for: "demo")?.engine.flows["f"] != nil)
        #expect(fixture.tenants.runtime(for: "other")?.engine.flows["f"] != nil)

        // A component without the guest ABI's exports: the pack verifies, its build fails.
        let broken = TestPack(version: "2.0.0", flows: good.flows, components: ["hollow": "(module)"])
        try Self.shareIndex(fixture, digest: try fixture.deployment.deploy(broken), pack: broken, tenants: ["demo", "other"])
        let failed = await fixture.reloader.reload()
        #expect(failed.rebuilt.isEmpty)
        #expect(failed.errors["demo"]?.hasPrefix("tenant demo: ") == true, "\(failed.errors)")
        #expect(failed.errors["other"]?.hasPrefix("tenant other: ") == true, "\(failed.errors)")
        #expect(failed.errors["demo"]?.dropFirst("tenant demo: ".count) == failed.errors["other"]?.dropFirst("tenant other: ".count))
        #expect(fixture.tenants.runtime(for: "demo")?.digests == [goodDigest], "both keep serving the version that built")
        #expect(fixture.tenants.runtime(for: "other")?.digests == [goodDigest])
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
