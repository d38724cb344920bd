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
    static func deployment(flows: [String], components: [String: String] = [:], bindings: String = "") throws -> CrashTests.Deployment {
        try CrashTests.Deployment(flows: flows, components: components, storeURL: try PostgresTestServer.freshURL(), bindings: bindings)
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
        let deployment = try Self.deployment(flows: [Self.chat])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            let nodeA = try await deployment.start(telegram: telegram)
            let nodeB = try await deployment.start(telegram: telegram)
            defer {
                nodeA.kill()
                nodeB.kill()
            }
            #expect(try await nodeA.telegram(CrashTests.update(1, text: "/start")).status == 200)
            #expect(try await poll { fake.calls.count == 1 })
            #expect(fake.calls.last?.body["text"] as? String == "What's your name?")
            #expect(try await nodeB.telegram(CrashTests.update(2, text: "Ada")).status == 200)
            #expect(try await poll { fake.calls.count == 2 })
            #expect(fake.calls.last?.body["text"] as? String == "Nice to meet you, Ada! You opened with /start.")
        }
    }

    @Test func theSameUpdateDeliveredTenTimesToEachNodeRunsOnce() async throws {
        let deployment = try Self.deployment(flows: [CrashTests.echo])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            let nodeA = try await deployment.start(telegram: telegram)
            let nodeB = try await deployment.start(telegram: telegram)
            defer {
                nodeA.kill()
                nodeB.kill()
            }
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
        let deployment = try Self.deployment(flows: [count], components: ["counter": Self.counter])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            let nodeA = try await deployment.start(telegram: telegram)
            let nodeB = try await deployment.start(telegram: telegram)
            defer {
                nodeA.kill()
                nodeB.kill()
            }
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
        let deployment = try Self.deployment(flows: [count], components: ["counter": Self.counter])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            let nodeA = try await deployment.start(telegram: telegram)
            let nodeB = try await deployment.start(telegram: telegram)
            defer {
                nodeA.kill()
                nodeB.kill()
            }
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
        let deployment = try Self.deployment(
            flows: [tick],
            bindings: "timers:\n  - {flow_id: tick, cron: '* * * * * *', schedule_id: pulse}\n"
        )
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            let debug = ["LOG_LEVEL": "debug"]
            let nodeA = try await deployment.start(telegram: telegram, environment: debug)
            let nodeB = try await deployment.start(telegram: telegram, environment: debug)
            defer {
                nodeA.kill()
                nodeB.kill()
            }
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
        let deployment = try Self.deployment(flows: [CrashTests.echo])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        // Telegram is down once and asks for 4 s: the reply waits, queued, between two attempts.
        fake.failures.withLock { $0 = [429] }
        fake.retryAfterSeconds.withLock { $0 = 4 }
        try await fake.run { telegram in
            let settings = ["OUTBOX_BACKOFF_MAX": "30s"]
            let nodeA = try await deployment.start(telegram: telegram, environment: settings)
            let nodeB = try await deployment.start(telegram: telegram, environment: settings)
            defer { nodeB.kill() }
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

    @Test func aRunKilledWhileHoldingItsClaimRunsOnceOnTheOtherNodeAfterTheLease() async throws {
        let slow = """
            id: job
            type: webhook
            start: work
            nodes:
              work: {slow: {}, routing: [{to: done}]}
              done: {counter: {}}
            """
        let deployment = try Self.deployment(flows: [slow], components: ["slow": CrashTests.slowComponent, "counter": Self.counter])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            // A run may take its whole FLOW_TIMEOUT on a loaded machine; the lease outlives it.
            let settings = ["DEDUPE_LEASE": "11s", "FLOW_TIMEOUT": "10s"]
            let nodeA = try await deployment.start(telegram: telegram, environment: settings)
            let nodeB = try await deployment.start(telegram: telegram, environment: settings)
            defer { nodeB.kill() }
            let key = [("Idempotency-Key", "job-1")]
            async let cut = try? nodeA.request(.POST, "/webhook/job", body: [], headers: key)
            #expect(try await nodeA.waitForLog("slow component started"))
            nodeA.kill()
            _ = await cut
            // The dead node's claim is live: the provider's retry on B is told to come back.
            let early = try await nodeB.request(.POST, "/webhook/job", body: [], headers: key)
            #expect(early.status == 409)
            // Once the lease ran out, the retry runs the event, once.
            #expect(
                try await poll(timeout: .seconds(30)) {
                    try await nodeB.request(.POST, "/webhook/job", body: [], headers: key).status == 200
                }
            )
            let replay = try await nodeB.request(.POST, "/webhook/job", body: [], headers: key)
            #expect(String(decoding: replay.body, as: UTF8.self) == "1", "the run that was cut off left nothing behind")
        }
    }

    /// Counts its runs in the session's key-value state and answers the count (one digit).
    static let counter = """
        (module
          (import "greentic:host-import@0.6.0" "state-get" (func $get (param i32 i32 i32 i32) (result i32)))
          (import "greentic:host-import@0.6.0" "state-set" (func $set (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "n")
          (data (i32.const 32) "{\\"payload\\":0}")
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
          (func (export "greentic:component/node@0.6.0#run") (param i32 i32 i32 i32) (result i32)
            (local $n i32)
            (if (i32.eq (call $get (i32.const 16) (i32.const 1) (i32.const 64) (i32.const 4)) (i32.const 4))
              (then (local.set $n (i32.load (i32.const 64)))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (i32.store (i32.const 64) (local.get $n))
            (drop (call $set (i32.const 16) (i32.const 1) (i32.const 64) (i32.const 4)))
            (i32.store8 (i32.const 43) (i32.add (i32.const 48) (local.get $n)))
            (i32.store (i32.const 80) (i32.const 32))
            (i32.store (i32.const 84) (i32.const 13))
            (i32.store (i32.const 88) (local.get 2))
            (i32.store (i32.const 92) (local.get 3))
            (i32.const 80)))
        """
}
