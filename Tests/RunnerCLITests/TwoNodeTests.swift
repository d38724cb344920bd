import Foundation
import NIOHTTP1
import RunnerCore
import RunnerTestSupport
import Synchronization
import Testing

/// Two real `greentic-runner serve` processes on one PostgreSQL database (a schema of its own per
/// test), as two machines behind a load balancer: they act as one runner.
@Suite("Two nodes on one PostgreSQL", .serialized)
struct TwoNodeTests {
    /// Runs `body` with two nodes on a new schema and a fake Telegram; both are killed after it.
    static func withTwoNodes(
        flows: [String],
        components: [String: String] = [:],
        bindings: String = "",
        environment: [String: String] = [:],
        fake: FakeBotAPI = FakeBotAPI(),
        _ body: @Sendable (RunnerProcess, RunnerProcess, FakeBotAPI) async throws -> Void
    ) async throws {
        let deployment = try CrashTests.Deployment(
            flows: flows,
            components: components,
            storeURL: try PostgresTestServer.freshURL(),
            bindings: bindings
        )
        defer { deployment.remove() }
        try await fake.run { telegram in
            let nodeA = try await deployment.start(telegram: telegram, environment: environment)
            let nodeB = try await deployment.start(telegram: telegram, environment: environment)
            defer {
                nodeA.kill()
                nodeB.kill()
            }
            try await body(nodeA, nodeB, fake)
        }
    }

    static let chat = """
        id: chat
        type: messaging
        start: first
        nodes:
          first: {qa.process: {said: "{{input.text}}"}, routing: [{to: ask}]}
          ask: {emit.reply: {text: "What's your name?"}, routing: [{to: wait}]}
          wait: {session.wait: {reason: name}, routing: [{to: greet}]}
          greet: {templating.handlebars: {template: "Nice to meet you, {{{input.text}}}! You opened with {{{nodes.first.payload.said}}}."}}
        """

    @Test func aConversationPausedOnOneNodeResumesOnTheOther() async throws {
        try await Self.withTwoNodes(flows: [Self.chat]) { nodeA, nodeB, fake async throws in
            #expect(try await nodeA.telegram(CrashTests.update(1, text: "/start")).status == 200)
            #expect(try await poll { fake.calls.count == 1 })
            #expect(fake.calls.last?.body["text"] as? String == "What's your name?")
            #expect(try await nodeB.telegram(CrashTests.update(2, text: "Ada")).status == 200)
            #expect(try await poll { fake.calls.count == 2 })
            #expect(fake.calls.last?.body["text"] as? String == "Nice to meet you, Ada! You opened with /start.")
        }
    }

    /// A rolling deploy: a conversation paused on version 1 on node A resumes on node B, which
    /// started after version 2 was published and never served version 1, on version 1 (taken
    /// from the pack cache the nodes share, by digest).
    @Test func aConversationPausedOnTheOldVersionResumesOnItOnANewNode() async throws {
        let version: @Sendable (String) -> String = { text in
            Self.chat.replacingOccurrences(of: "You opened with {{{nodes.first.payload.said}}}.", with: text)
        }
        let deployment = try CrashTests.Deployment(flows: [version("(v1)")], storeURL: try PostgresTestServer.freshURL())
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            let nodeA = try await deployment.start(telegram: telegram)
            defer { nodeA.kill() }
            #expect(try await nodeA.telegram(CrashTests.update(1, text: "/start")).status == 200)
            #expect(try await poll { fake.calls.count == 1 })

            try deployment.publish(flows: [version("(v2)")], name: "v2")
            let nodeB = try await deployment.start(telegram: telegram)
            defer { nodeB.kill() }
            #expect(try await nodeB.telegram(CrashTests.update(2, text: "Ada")).status == 200)
            #expect(try await poll { fake.calls.count == 2 })
            #expect(fake.calls.last?.body["text"] as? String == "Nice to meet you, Ada! (v1)", "\(nodeB.logText)")
            // A new conversation on node B starts on version 2.
            #expect(try await nodeB.telegram(CrashTests.update(3, text: "/start")).status == 200)
            #expect(try await nodeB.telegram(CrashTests.update(4, text: "Bo")).status == 200)
            #expect(try await poll { fake.calls.count == 4 })
            #expect(fake.calls.last?.body["text"] as? String == "Nice to meet you, Bo! (v2)")
        }
    }

    @Test func theSameUpdateDeliveredTenTimesToEachNodeRunsOnce() async throws {
        try await Self.withTwoNodes(flows: [CrashTests.echo]) { nodeA, nodeB, fake async throws in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    let node = index.isMultiple(of: 2) ? nodeA : nodeB
                    group.addTask { try await node.telegram(CrashTests.update(77, text: "once")).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20), "every delivery is acknowledged")
            #expect(try await poll { fake.calls.count >= 1 })
            #expect(try await nodeA.settled())
            #expect(try await nodeB.settled())
            #expect(fake.calls.count == 1, "one flow run, one sendMessage")
            #expect(fake.calls.first?.body["text"] as? String == "reply to once")
        }
    }

    @Test func anIdempotencyKeyAnsweredByOneNodeIsReplayedByTheOther() async throws {
        let count = "id: count\ntype: webhook\nnodes:\n  c: {counter: {}}\n"
        try await Self.withTwoNodes(flows: [count], components: ["counter": TestWasm.kvCounter]) { nodeA, nodeB, fake async throws in
            let key = [("Idempotency-Key", "order-17")]
            // The counter lives in the key's session: a second run would answer 2.
            let first = try await nodeA.request(.POST, "/webhook/count", body: [], headers: key)
            #expect(first.status == 200)
            #expect(String(decoding: first.body, as: UTF8.self) == "1")
            let replayed = try await nodeB.request(.POST, "/webhook/count", body: [], headers: key)
            #expect(replayed.status == 200)
            #expect(replayed.body == first.body, "node B replays node A's answer")
            let other = try await nodeB.request(.POST, "/webhook/count", body: [], headers: [("Idempotency-Key", "order-18")])
            #expect(String(decoding: other.body, as: UTF8.self) == "1")
        }
    }

    /// Eight events of one conversation at once, half on each node: each runs on the state the
    /// previous one left (a node that loses the compare-and-swap runs again on the new state),
    /// so no update is lost.
    @Test func eventsOfOneConversationOnBothNodesLoseNoUpdate() async throws {
        let count = "id: count\ntype: webhook\nnodes:\n  c: {counter: {}}\n"
        try await Self.withTwoNodes(flows: [count], components: ["counter": TestWasm.kvCounter]) { nodeA, nodeB, fake async throws in
            let session = [("X-Greentic-Session", "one-conversation")]
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<8 {
                    let node = index.isMultiple(of: 2) ? nodeA : nodeB
                    group.addTask {
                        let response = try await node.request(.POST, "/webhook/count", body: [], headers: session)
                        return String(decoding: response.body, as: UTF8.self)
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(answers.sorted() == (1...8).map(String.init), "every run saw the one before: \(answers)")
            let next = try await nodeB.request(.POST, "/webhook/count", body: [], headers: session)
            #expect(String(decoding: next.body, as: UTF8.self) == "9")
        }
    }

    @Test func aOneSecondTimerOnBothNodesFiresOncePerSecond() async throws {
        let tick = "id: tick\ntype: timer\nnodes:\n  say: {qa.process: \"{{input.now}}\"}\n"
        try await Self.withTwoNodes(
            flows: [tick],
            bindings: "timers:\n  - {flow_id: tick, cron: '* * * * * *', schedule_id: pulse}\n",
            environment: ["LOG_LEVEL": "debug"]
        ) { nodeA, nodeB, _ async throws in
            // Both schedulers run for ten seconds (real time: these are real processes).
            let started = try await poll { Self.recordedTicks(nodeA.logText + nodeB.logText).count >= 1 }
            #expect(started)
            try await Task.sleep(for: .seconds(10))
            let ticks = Self.recordedTicks(nodeA.logText + nodeB.logText)
            #expect(Set(ticks).count == ticks.count, "no tick recorded twice: \(ticks.sorted())")
            let seconds = ticks.compactMap { RFC3339.parse($0)?.timeIntervalSince1970 }.sorted()
            #expect(seconds.count >= 10, "one tick per second: \(ticks.sorted())")
            let gaps = zip(seconds.dropFirst(), seconds).map { $0 - $1 }
            #expect(gaps.allSatisfy { $0 >= 1 && $0 <= 2 }, "\(gaps)")
            #expect(gaps.filter { $0 > 1 }.count <= 1, "at most one tick missed: \(ticks.sorted())")
            #expect(try await nodeA.settled(), "every recorded tick ran")
        }
    }

    /// The tick times the nodes' logs say they recorded (not those another node recorded).
    static func recordedTicks(_ logs: String) -> [String] {
        logs.split(separator: "\n").filter { $0.hasSuffix("timer tick recorded") }.compactMap { line in
            guard let range = line.range(of: #"tick=\S+"#, options: .regularExpression) else { return nil }
            return String(line[range].dropFirst("tick=".count))
        }
    }

    @Test func aReplyQueuedByAKilledNodeIsDeliveredOnceByTheOther() async throws {
        let fake = FakeBotAPI()
        // Telegram is down once and asks for 4 s: the reply waits, queued, between two attempts.
        fake.failures.withLock { $0 = [429] }
        fake.retryAfterSeconds.withLock { $0 = 4 }
        let settings = ["OUTBOX_BACKOFF_MAX": "30s"]
        try await Self.withTwoNodes(flows: [CrashTests.echo], environment: settings, fake: fake) { nodeA, nodeB, fake async throws in
            #expect(try await nodeA.telegram(CrashTests.update(1, text: "hello")).status == 200)
            let waiting: JSONValue = ["pending": 1, "in_flight": 0, "dead": 0]
            #expect(try await poll { try await nodeA.adminStatus()["outbox"] == waiting && fake.calls.count == 1 })
            nodeA.kill()
            // Telegram is back; node B delivers the reply once Retry-After passed.
            #expect(try await poll { fake.calls.count == 2 })
            #expect(try await nodeB.settled())
            #expect(fake.calls.count == 2, "delivered exactly once")
            #expect(fake.calls.last?.body["text"] as? String == "reply to hello")
        }
    }

    @Test func aRunKilledMidWayRunsOnceOnTheOtherNodeAtOnce() async throws {
        let slow = """
            id: job
            type: webhook
            start: work
            nodes:
              work: {slow: {}, routing: [{to: done}]}
              done: {counter: {}}
            """
        let settings = ["FLOW_TIMEOUT": "10s"]
        let components = ["slow": CrashTests.slowComponent, "counter": TestWasm.kvCounter]
        try await Self.withTwoNodes(flows: [slow], components: components, environment: settings) { nodeA, nodeB, _ async throws in
            let key = [("Idempotency-Key", "job-1")]
            async let cut = try? nodeA.request(.POST, "/webhook/job", body: [], headers: key)
            #expect(try await nodeA.waitForLog("slow component started"))
            nodeA.kill()
            _ = await cut
            // The dead node held no claim and committed nothing: the retry on B runs the event
            // now, not after a lease, and once.
            let retry = try await nodeB.request(.POST, "/webhook/job", body: [], headers: key)
            #expect(retry.status == 200)
            #expect(String(decoding: retry.body, as: UTF8.self) == "1", "the run that was cut off left nothing behind")
            let replay = try await nodeB.request(.POST, "/webhook/job", body: [], headers: key)
            #expect(replay.body == retry.body, "a later retry replays the recorded answer")
        }
    }

    @Test func anAcknowledgedEventWhoseNodeWasKilledMidRunRunsOnceOnTheOther() async throws {
        let settings = ["FLOW_TIMEOUT": "10s", "INBOX_LEASE": "11s"]
        try await Self.withTwoNodes(flows: [CrashTests.slowChat], components: ["slow": CrashTests.slowComponent], environment: settings) {
            nodeA,
            nodeB,
            fake async throws in
            #expect(try await nodeA.telegram(CrashTests.update(5, text: "job")).status == 200, "acknowledged before it runs")
            #expect(try await nodeA.waitForLog("slow component started"))
            nodeA.kill()
            #expect(try await nodeB.telegram(CrashTests.update(5, text: "job")).status == 200, "a redelivery is answered, not run")
            // Node B takes the event over once A's lease ends, and runs it once.
            #expect(try await poll(timeout: .seconds(40)) { fake.calls.count == 1 }, "\(nodeB.logText)")
            #expect(try await nodeB.settled())
            #expect(fake.calls.count == 1)
            #expect(fake.calls.first?.body["text"] as? String == "worked on job")
        }
    }
}
