import Foundation
import NIOCore
import NIOHTTP1
import RunnerCore
import RunnerHost
import RunnerTestSupport
import Synchronization
import Testing

@Suite("Dedupe, concurrency and tenant isolation")
struct DedupeAndIsolationTests {
    static func bindings(tenant: String, timeoutMs: Int) -> String {
        """
        tenant: \(tenant)
        flow_type_bindings:
          messaging: {adapter: telegram}
          webhook: {adapter: generic}
        runtime: {timeout_ms: \(timeoutMs), fuel: 100000000000}
        """
    }

    @Test func concurrentEventsOfOneSessionNeverLoseAStateUpdate() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.hello], components: ["greeter": try TestComponents.greeter]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await client.post("/webhook/hello", "Ada").text } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let visits = Set(texts.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } })
            #expect(visits == Set(1...8), "\(texts)")
            #expect(try await client.post("/webhook/hello", "Ada").text == "Hello, Ada! visit 9")
        }
    }

    @Test func theSameUpdateTenTimesAtOnceRunsOnceAndRepliesOnce() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.hello, TestFlows.chat], components: ["greeter": try TestComponents.greeter]))
        let fake = FakeBotAPI()
        try await fake.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels.telegramAPIBaseURL = baseURL
            try await withLiveHost(configuration) { client async throws in
                let update = Array(#"{"update_id":77,"message":{"text":"/start","chat":{"id":5},"from":{"id":6}}}"#.utf8)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<10 { group.addTask { try await client.telegram(update).status } }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses == Array(repeating: 200, count: 10), "every delivery is acknowledged")
                #expect(try await eventually { fake.calls.count == 1 })
                #expect(try await client.settled())
                #expect(fake.calls.count == 1, "one run, one reply")
                #expect(fake.calls.first?.body["text"] as? String == "What's your name?")
            }
        }
    }

    @Test func webhookCallersHaveTheirOwnConversations() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.signup]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            let ada = [("X-Greentic-Session", "ada")]
            let bob = [("X-Greentic-Session", "bob")]
            #expect(try await client.post("/webhook/signup", "", headers: ada).text == #"[{"text":"name?"}]"#)
            #expect(
                try await client.post("/webhook/signup", "", headers: bob + [("Idempotency-Key", "b-1")]).text == #"[{"text":"name?"}]"#
            )
            #expect(try await client.post("/webhook/signup", "Bob", headers: bob + [("Idempotency-Key", "b-2")]).text == "welcome Bob")
            #expect(
                try await client.post("/webhook/signup", "Ada", headers: ada).text == "welcome Ada",
                "Ada's conversation was kept apart"
            )
            #expect(
                try await client.post("/webhook/signup", "Bob", headers: bob + [("Idempotency-Key", "b-2")]).text == "welcome Bob",
                "an idempotency key replays within the caller's session"
            )
        }
    }

    @Test func tooManyRepliesFailTheEventWithoutSendingAnything() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let chatty = """
            id: chatty
            type: messaging
            nodes:
              many: {qa.process: [\(Array(repeating: "x", count: 40).joined(separator: ", "))]}
            """
        try deployment.deploy(TestPack(flows: [chatty]))
        let fake = FakeBotAPI()
        try await fake.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels.telegramAPIBaseURL = baseURL
            try await withLiveHost(configuration) { client async throws in
                let update = Array(#"{"update_id":7,"message":{"text":"hi","chat":{"id":1},"from":{"id":2}}}"#.utf8)
                let first = try await client.telegram(update)
                #expect(first.status == 200, "Telegram cannot fix a failing flow by retrying: the event is acknowledged")
                #expect(first.body.isEmpty, "and the answer exposes nothing of the failure")
                #expect(try await eventually { try await client.adminStatus()["inbox"]?["failed"] == 1 }, "the failure is recorded")
                #expect(try await client.telegram(update).status == 200)
                #expect(try await client.adminStatus()["inbox"]?["failed"] == 1, "a redelivery is a duplicate, not a second run")
                #expect(try await client.settled())
                #expect(fake.calls.isEmpty)
                #expect(try await client.adminStatus()["outbox"] == ["pending": 0, "in_flight": 0, "dead": 0])
            }
        }
    }

    @Test func aMalformedIndexEntryKeepsTheTenantsPreviousVersion() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.signup]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/signup", "").status == 200)
            // Neither version nor digest: the entry is invalid.
            try Data(#"{"demo":{"main_pack":{"name":"test.pack","locator":"packs/main.gtpack"}}}"#.utf8)
                .write(to: URL(fileURLWithPath: deployment.indexPath))
            #expect(try await client.post("/admin/packs/reload", "").status == 202)
            #expect(try await eventually { try await client.get("/admin/packs/status").text.contains("version or digest") })
            let status = try #require(try await client.get("/admin/packs/status").json)
            #expect(status["active"] as? Int == 1)
            #expect(try await client.post("/webhook/signup", "x").status == 200)
        }
    }
}

/// A thread-safe boolean a test can share with child tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
