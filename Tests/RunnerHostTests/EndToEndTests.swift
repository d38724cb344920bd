import AsyncHTTPClient
import Foundation
import NIOHTTP1
import RunnerCore
import RunnerHost
import RunnerStoreSQLite
import RunnerTestSupport
import Synchronization
import Testing

/// The real server on a random port, driven over HTTP.
@Suite("End to end")
struct EndToEndTests {
    func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/telegram/\(name)", withExtension: "json"))
        return Array(try Data(contentsOf: url))
    }

    @Test func webhookRunsAWasmNodeAndIdempotencyReplays() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.hello], components: ["greeter": try TestComponents.greeter]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            let first = try await client.post("/webhook/hello", "Ada")
            #expect(first.status == 200)
            #expect(first.text == "Hello, Ada! visit 1")
            let second = try await client.post("/webhook/hello", "Ada")
            #expect(second.text == "Hello, Ada! visit 2")

            let keyed = try await client.post("/webhook/hello", "Bob", headers: [("Idempotency-Key", "k-1")])
            let replay = try await client.post("/webhook/hello", "Bob", headers: [("Idempotency-Key", "k-1")])
            #expect(keyed.text == "Hello, Bob! visit 1")
            #expect(replay.status == keyed.status)
            #expect(replay.text == keyed.text)
            let next = try await client.post("/webhook/hello", "Bob", headers: [("Idempotency-Key", "k-2")])
            #expect(next.text == "Hello, Bob! visit 1", "each idempotency key is its own session")
            let sameSession = try await client.post("/webhook/hello", "Ada")
            #expect(sameSession.text == "Hello, Ada! visit 3")
        }
        // The replay did not run the flow: the greeter's state for session k-1 counted one visit.
        let store = try await SQLiteRunnerStore(path: deployment.storePath)
        let state = try await store.stateSnapshot(for: StateScope(tenant: "demo", pack: "test.pack", session: "k-1"))
        #expect(state.components["greeter"] == [1, 0, 0, 0])
        try await store.close()
    }

    @Test func telegramUpdateIsAnsweredThroughTheBotAPIOnce() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.chat]))
        let fake = FakeBotAPI()
        try await fake.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels.telegramAPIBaseURL = baseURL
            try await withLiveHost(configuration) { client async throws in
                let secret = [("X-Telegram-Bot-Api-Secret-Token", "hook-secret")]
                let start = try await client.telegram(try fixture("start"), headers: secret)
                #expect(start.status == 200)
                #expect(try await eventually { fake.calls.count == 1 })
                let call = try #require(fake.calls.first)
                #expect(call.path == "/bot123:ABC/sendMessage")
                #expect(call.body["chat_id"] as? Int == 4242)
                #expect(call.body["text"] as? String == "What's your name?")
                #expect(call.body["parse_mode"] == nil)

                // Telegram redelivers the same update: same answer, no second run, no second message.
                let redelivered = try await client.telegram(try fixture("start"), headers: secret)
                #expect(redelivered.status == 200)

                let name = try await client.telegram(try fixture("name"), headers: secret)
                #expect(name.status == 200)
                #expect(try await eventually { fake.calls.count == 2 })
                #expect(fake.calls.last?.body["text"] as? String == "Nice to meet you, Ada Lovelace! You opened with /start.")
                #expect(try await client.settled())
                #expect(fake.calls.count == 2, "the redelivered update must not produce a second reply")

                let edited = try await client.telegram(try fixture("edited"), headers: secret)
                #expect(edited.status == 204)
                let forged = try await client.telegram(try fixture("again"), headers: [("X-Telegram-Bot-Api-Secret-Token", "wrong")])
                #expect(forged.status == 401)
            }
        }
    }

    @Test func failedDeliveriesAreRetriedFromTheOutbox() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.chat]))
        let fake = FakeBotAPI()
        fake.failures.withLock { $0 = [500] }
        try await fake.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels.telegramAPIBaseURL = baseURL
            try await withLiveHost(configuration) { client async throws in
                #expect(try await client.telegram(try fixture("start")).status == 200)
                // First attempt fails with 500; the dispatcher retries after its backoff.
                #expect(try await eventually(timeout: .seconds(15)) { fake.calls.count >= 2 })
                #expect(fake.calls.map { $0.body["text"] as? String } == ["What's your name?", "What's your name?"])
            }
        }
    }

    @Test func aPausedConversationSurvivesARestart() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.chat]))
        let fake = FakeBotAPI()
        try await fake.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels.telegramAPIBaseURL = baseURL
            try await withLiveHost(configuration) { client async throws in
                #expect(try await client.telegram(try fixture("start")).status == 200)
            }
            // A new process on the same SQLite file.
            try await withLiveHost(configuration) { client async throws in
                #expect(try await client.telegram(try fixture("name")).status == 200)
                #expect(try await eventually { fake.calls.count == 2 })
                // Resumed at `greet`: `input` is the new message, `nodes.first` the first one.
                #expect(fake.calls.last?.body["text"] as? String == "Nice to meet you, Ada Lovelace! You opened with /start.")
                // The conversation completed: a third message starts a new run.
                #expect(try await client.telegram(try fixture("again")).status == 200)
                #expect(try await eventually { fake.calls.count == 3 })
                #expect(fake.calls.last?.body["text"] as? String == "What's your name?")
            }
        }
    }

    @Test func keyValueStateIsDurableAndScopedPerSession() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let flow = "id: count\ntype: webhook\nnodes:\n  c: {counter: {}}\n"
        try deployment.deploy(TestPack(flows: [flow], components: ["counter": TestComponents.kvCounter]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/count", "").text == "1")
            #expect(try await client.post("/webhook/count", "").text == "2")
            #expect(try await client.post("/webhook/count", "", headers: [("Idempotency-Key", "elsewhere")]).text == "1")
        }
        try await withLiveHost(configuration) { client async throws in
            #expect(try await client.post("/webhook/count", "").text == "3", "host key-value state survives a restart")
        }
    }

    @Test func aPausedConversationExpiresAfterItsTTL() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.signup]))
        var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        configuration.sessions.resumeTTLSeconds = 60
        let clock = ManualClock(Date())
        try await withLiveHost(configuration, now: clock.reader) { client async throws in
            #expect(try await client.post("/webhook/signup", "").text == #"[{"text":"name?"}]"#)
            clock.advance(by: 59)
            #expect(try await client.post("/webhook/signup", "Ada").text == "welcome Ada", "still paused just before its TTL")
            #expect(try await client.post("/webhook/signup", "").text == #"[{"text":"name?"}]"#)
            clock.advance(by: 60)
            // The record expired: the event starts a new run instead of resuming.
            #expect(try await client.post("/webhook/signup", "Ada").text == #"[{"text":"name?"}]"#)
            #expect(try await client.post("/webhook/signup", "Ada").text == "welcome Ada")
        }
    }

    @Test func concurrentMessagesOnOneSessionRunOneAfterTheOther() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.signup]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration) { client async throws in
            async let first = client.post("/webhook/signup", "Ada")
            async let second = client.post("/webhook/signup", "Grace")
            let texts = try await [first.text, second.text].sorted()
            // One run paused, the other resumed it: never two pauses or two lost updates.
            #expect(texts.contains(#"[{"text":"name?"}]"#))
            #expect(texts.contains("welcome Ada") || texts.contains("welcome Grace"))
        }
    }
}
