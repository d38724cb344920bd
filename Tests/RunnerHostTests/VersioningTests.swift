import Foundation
import RunnerCore
import RunnerHost
import RunnerPacks
import RunnerTestSupport
import Testing

/// Paused conversations across pack versions, and signature policy at load.
@Suite("Pack versions and signatures")
struct VersioningTests {
    static func conversation(_ label: String, withGreet: Bool = true) -> String {
        """
        id: signup
        type: webhook
        nodes:
          ask: {emit.reply: {text: "\(label) name?"}, routing: [{to: wait}]}
          wait: {session.wait: {}, routing: [{to: \(withGreet ? "greet" : "bye")}]}
          \(withGreet ? "greet" : "bye"): {templating.handlebars: {template: "\(label) welcome {{{input.body.text}}}"}}
        """
    }

    @Test func aConversationFinishesOnTheVersionItStartedOn() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(version: "1.0.0", flows: [Self.conversation("v1")]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/signup", "").text == #"[{"text":"v1 name?"}]"#)
            try deployment.deploy(TestPack(version: "2.0.0", flows: [Self.conversation("v2")]))
            #expect(try await client.post("/admin/packs/reload", "").status == 202)
            #expect(try await eventually { (try await client.get("/admin/packs/status").text).contains("2.0.0") })
            // The paused conversation resumes on 1.0.0, which the runner still holds.
            #expect(try await client.post("/webhook/signup", "Ada").text == "v1 welcome Ada")
            // A new conversation starts on 2.0.0.
            #expect(try await client.post("/webhook/signup", "").text == #"[{"text":"v2 name?"}]"#)
        }
    }

    @Test func aConversationWhoseNodeIsGoneStartsOver() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(version: "1.0.0", flows: [Self.conversation("v1")]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/signup", "").text == #"[{"text":"v1 name?"}]"#)
        }
        // While the runner is down, a version without the `greet` node is deployed and the
        // pack cache is emptied.
        try deployment.deploy(TestPack(version: "2.0.0", flows: [Self.conversation("v2", withGreet: false)]))
        try FileManager.default.removeItem(atPath: configuration.packs.cacheDirectory)
        try await withLiveHost(configuration) { client async throws in
            // The saved node no longer exists and 1.0.0 is neither loaded nor cached: the event
            // starts a new run.
            #expect(try await client.post("/webhook/signup", "Ada").text == #"[{"text":"v2 name?"}]"#)
            #expect(try await client.post("/webhook/signup", "Ada").text == "v2 welcome Ada")
        }
    }

    @Test func aConversationPausedBeforeARestartResumesOnItsVersionFromThePackCache() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let other = "id: other\ntype: webhook\nnodes:\n  o: {qa.process: other}\n"
        try deployment.deploy(TestPack(version: "1.0.0", flows: [Self.conversation("v1")]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/signup", "").text == #"[{"text":"v1 name?"}]"#)
        }
        // While the runner is down, 2.0.0 replaces 1.0.0 (no `greet` node, plus an overlay) and
        // the old pack file is deleted: only the runner's cache still has 1.0.0.
        try FileManager.default.removeItem(at: deployment.directory.appendingPathComponent("packs/main.gtpack"))
        try deployment.deploy(
            TestPack(version: "2.0.0", flows: [Self.conversation("v2", withGreet: false)]),
            overlays: [(TestPack(packID: "test.overlay", flows: [other]), "overlay")]
        )
        try await withLiveHost(configuration) { client async throws in
            // Resumed at `greet` on 1.0.0, restored from the cache (the overlay stays in place).
            #expect(try await client.post("/webhook/signup", "Ada").text == "v1 welcome Ada")
            #expect(try await client.post("/webhook/other", "").text == "other")
            // The conversation ended; the next one starts on 2.0.0.
            #expect(try await client.post("/webhook/signup", "").text == #"[{"text":"v2 name?"}]"#)
            #expect(try await client.post("/webhook/signup", "Bob").text.contains("Bob"))
        }
    }

    @Test func aConversationResumesOnANewVersionThatStillHasTheNode() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let other = "id: other\ntype: webhook\nnodes:\n  o: {qa.process: one}\n"
        try deployment.deploy(TestPack(version: "1.0.0", flows: [Self.conversation("same"), other]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/signup", "").status == 200)
        }
        let changedOther = "id: other\ntype: webhook\nnodes:\n  o: {qa.process: two}\n"
        try deployment.deploy(TestPack(version: "1.1.0", flows: [Self.conversation("same"), changedOther]))
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/signup", "Ada").text == "same welcome Ada")
            #expect(try await client.post("/webhook/other", "").text == "two")
        }
    }

    @Test func aPublicKeyRequiresSignedIndexEntriesAndRefusesDevSignedPacks() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let key = PackSigningKey.generate()
        let flow = "id: hello\ntype: webhook\nnodes:\n  h: {qa.process: signed}\n"
        var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        configuration.packs.publicKey = key.publicKeyString

        // A signed index entry for a pack signed with the key: served.
        let pack = TestPack(flows: [flow], signingKey: key)
        let digest = try pack.write(to: deployment.directory.appendingPathComponent("good.gtpack"))
        let signature = try key.signIndexDigest(digest)
        try Data(
            #"{"demo":{"main_pack":{"name":"test.pack","digest":"\#(digest)","signature":"\#(signature)","locator":"good.gtpack"}}}"#.utf8
        )
        .write(to: URL(fileURLWithPath: deployment.indexPath))
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/hello", "").text == "signed")
        }

        // The same entry without its signature: the tenant is not loaded.
        try Data(#"{"demo":{"main_pack":{"name":"test.pack","digest":"\#(digest)","locator":"good.gtpack"}}}"#.utf8)
            .write(to: URL(fileURLWithPath: deployment.indexPath))
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/hello", "").status == 404)
            let errors = try await client.get("/admin/packs/status").text
            #expect(errors.contains("signature"))
        }

        // A correctly signed entry for a dev-signed pack: refused by the strict policy.
        let devDigest = try TestPack(flows: [flow]).write(to: deployment.directory.appendingPathComponent("dev.gtpack"))
        let devSignature = try key.signIndexDigest(devDigest)
        try Data(
            #"{"demo":{"main_pack":{"name":"test.pack","digest":"\#(devDigest)","signature":"\#(devSignature)","locator":"dev.gtpack"}}}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: deployment.indexPath))
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/hello", "").status == 404)
            #expect(try await client.get("/admin/packs/status").text.contains("greentic-dev-local"))
        }
    }
}
