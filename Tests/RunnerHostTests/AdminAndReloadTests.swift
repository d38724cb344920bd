import Foundation
import RunnerHost
import RunnerPacks
import RunnerTestSupport
import Synchronization
import Testing

@Suite("Admin, health and reload")
struct AdminAndReloadTests {
    func versionedPack(_ label: String, version: String = "1.0.0") -> TestPack {
        TestPack(version: version, flows: [TestFlows.version], components: ["versioned": TestComponents.constant(#""\#(label)""#)])
    }

    @Test func adminNeedsTheTokenWhenOneIsSet() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(versionedPack("v1"))
        var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        configuration.admin.token = "s3cret-token"
        try await withLiveHost(configuration) { client async throws in
            let missing = try await client.get("/admin/packs/status")
            #expect(missing.status == 401)
            #expect(missing.text == #"{"error":"admin token required"}"#)
            #expect(try await client.get("/admin/packs/status", headers: [("Authorization", "Bearer wrong")]).status == 401)
            #expect(try await client.get("/admin/packs/status", headers: [("Authorization", "Basic s3cret-token")]).status == 401)
            // The scheme is case-insensitive (RFC 7235 §2.1).
            #expect(try await client.get("/admin/packs/status", headers: [("Authorization", "bearer  s3cret-token")]).status == 200)
            #expect(try await client.post("/admin/packs/reload", "", headers: [("Authorization", "Bearer nope")]).status == 401)
            let ok = try await client.get("/admin/packs/status", headers: [("Authorization", "Bearer s3cret-token")])
            #expect(ok.status == 200)
            // X-Forwarded-For never grants anything.
            #expect(try await client.get("/admin/packs/status", headers: [("X-Forwarded-For", "127.0.0.1")]).status == 401)
        }
    }

    @Test func withoutATokenLoopbackPeersAreAdmitted() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let digest = try deployment.deploy(versionedPack("v1"))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            let status = try await client.get("/admin/packs/status")
            #expect(status.status == 200)
            let body = try #require(status.json)
            #expect(body["active"] as? Int == 1)
            let tenants = try #require(body["tenants"] as? [[String: Any]])
            #expect(tenants.first?["tenant"] as? String == "demo")
            #expect(tenants.first?["pack_id"] as? String == "test.pack")
            #expect(tenants.first?["digest"] as? String == digest)
            #expect(body["last_error"] is NSNull)

            let health = try #require(try await client.get("/healthz").json)
            #expect(health["status"] as? String == "ok")
            #expect(health["active_packs"] as? Int == 1)
            #expect((health["last_reload"] as? String)?.hasSuffix("Z") == true)
            #expect(try await client.get("/readyz").status == 200)
        }
    }

    @Test func reloadSwapsTheServedVersionAndKeepsTheOldOneOnABadPack() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(versionedPack("v1"))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/version", "").text == "v1")

            let newDigest = try deployment.deploy(versionedPack("v2", version: "2.0.0"))
            let accepted = try await client.post("/admin/packs/reload", "")
            #expect(accepted.status == 202)
            #expect(accepted.text == #"{"status":"reload requested"}"#)
            #expect(try await eventually { try await client.post("/webhook/version", "").text == "v2" })
            let status = try #require(try await client.get("/admin/packs/status").json)
            #expect((status["tenants"] as? [[String: Any]])?.first?["digest"] as? String == newDigest)

            // A tampered pack is refused at reload; v2 keeps serving and the error is reported.
            let packPath = deployment.directory.appendingPathComponent("packs/main.gtpack")
            try deployment.deploy(versionedPack("v3", version: "3.0.0"))
            var bytes = try Data(contentsOf: packPath)
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: packPath)
            #expect(try await client.post("/admin/packs/reload", "").status == 202)
            #expect(try await eventually { (try await client.get("/healthz").json?["last_error"] as? String) != nil })
            #expect(try await client.post("/webhook/version", "").text == "v2")
        }
    }

    @Test func reloadsUnderLoadFailNoRequest() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(versionedPack("v1"))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            let versions = (1...5).map { "v\($0)" }
            let stop = StopFlag()
            // Eight clients post without pause while the pack is replaced four times.
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var seen: [String] = []
                        while !stop.isSet {
                            let response = try await client.post("/webhook/version", "")
                            seen.append(response.status == 200 ? response.text : "HTTP \(response.status): \(response.text)")
                        }
                        return seen
                    }
                }
                // Also on a failed expectation that throws: the clients must stop.
                defer { stop.set() }
                for (number, label) in versions.enumerated().dropFirst() {
                    try deployment.deploy(versionedPack(label, version: "\(number + 1).0.0"))
                    #expect(try await client.post("/admin/packs/reload", "").status == 202)
                    #expect(try await eventually { try await client.post("/webhook/version", "").text == label })
                }
                stop.set()
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(answers.count > 8)
            let unexpected = answers.filter { !versions.contains($0) }
            #expect(unexpected.isEmpty, "answers other than a served version: \(Set(unexpected))")
        }
    }

    @Test func oneBadTenantDoesNotBlockTheOthers() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let goodDigest = try versionedPack("good").write(to: deployment.directory.appendingPathComponent("good.gtpack"))
        let index = """
            {"demo": {"main_pack": {"name": "test.pack", "digest": "\(goodDigest)", "locator": "good.gtpack"}},
             "other": {"main_pack": {"name": "missing", "version": "1.0.0", "locator": "nowhere.gtpack"}},
             "nobindings": {"main_pack": {"name": "test.pack", "digest": "\(goodDigest)", "locator": "good.gtpack"}}}
            """
        try Data(index.utf8).write(to: URL(fileURLWithPath: deployment.indexPath))
        let otherBindings = try deployment.bindings("tenant: other\n", tenant: "other")
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings), otherBindings])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/version", "").text == "good")
            let status = try #require(try await client.get("/admin/packs/status").json)
            #expect(status["active"] as? Int == 1)
            let errors = try #require(status["tenant_errors"] as? [String: String])
            #expect(errors["other"]?.contains("nowhere.gtpack") == true)
            #expect(errors["nobindings"]?.contains("no bindings") == true)
        }
    }
}

/// A flag set once from one task and read by others.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
