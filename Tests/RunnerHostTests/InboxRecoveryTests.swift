import Foundation
import RunnerCore
import RunnerHost
import RunnerStoreSQLite
import RunnerTestSupport
import Testing

/// Events acknowledged by a process that then died (or by another node) are run by whoever
/// holds the store next: once, in order.
@Suite("Inbox recovery")
struct InboxRecoveryTests {
    static let echo = """
        id: chat
        type: messaging
        nodes:
          reply: {qa.process: "reply to {{{input.text}}}"}
        """

    static func event(_ id: String, text: String, at date: Date, chat: Int = 42) -> InboxEvent {
        InboxEvent(
            id: id,
            tenant: "demo",
            provider: "telegram",
            sessionKey: "demo:telegram:\(chat):7",
            flowID: "chat",
            input: ["text": .string(text)],
            reply: ReplyTarget(provider: "telegram", conversation: String(chat), address: ["chat_id": .int(Int64(chat))]),
            receivedAt: date
        )
    }

    /// `events` acknowledged without a dedupe id, to wait in the inbox.
    static func waiting(_ events: [InboxEvent], retainUntil: Date = Date().addingTimeInterval(3600)) -> Acceptance {
        Acceptance(entries: events.map { .init(event: $0, dedupe: nil) }, response: StoredResponse(status: 200), retainUntil: retainUntil)
    }

    /// The echo flow deployed, and the store's directory made so a test can fill the store
    /// before the host opens it.
    static func deployment() throws -> TestDeployment {
        let deployment = try TestDeployment()
        try deployment.deploy(TestPack(flows: [Self.echo]))
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: deployment.storePath).deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        return deployment
    }

    @Test func eventsLeftInTheStoreRunOnceInOrderWhenAHostStarts() async throws {
        let deployment = try Self.deployment()
        defer { deployment.remove() }
        // A node accepted three events of one conversation and died before running them; the
        // first had been leased (its lease has ended), the others were waiting.
        let store = try await SQLiteRunnerStore(path: deployment.storePath)
        let past = Date().addingTimeInterval(-120)
        var leased = Acceptance(
            entries: [
                .init(event: Self.event("e1", text: "one", at: past), dedupe: DedupeKey(tenant: "demo", namespace: "telegram", id: "1"))
            ],
            response: StoredResponse(status: 200),
            retainUntil: Date().addingTimeInterval(3600)
        )
        leased.leaseUntil = past.addingTimeInterval(1)
        _ = try await store.accept(leased, now: past)
        _ = try await store.accept(
            Self.waiting([
                Self.event("e2", text: "two", at: past.addingTimeInterval(1)),
                Self.event("e3", text: "three", at: past.addingTimeInterval(2)),
            ]),
            now: past
        )
        try await store.close()

        let fake = FakeBotAPI()
        try await fake.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels.telegramAPIBaseURL = baseURL
            configuration.delivery.inboxPollIntervalMs = 50
            try await withLiveHost(configuration) { client async throws in
                #expect(try await eventually { fake.calls.count == 3 })
                #expect(try await client.settled())
                #expect(fake.calls.map { $0.body["text"] as? String } == ["reply to one", "reply to two", "reply to three"])
                #expect(try await client.adminStatus()["inbox"] == ["pending": 0, "in_flight": 0, "failed": 0])
                let redelivered = try await client.telegram(
                    Array(#"{"update_id":1,"message":{"text":"one","chat":{"id":42},"from":{"id":7}}}"#.utf8)
                )
                #expect(redelivered.status == 200)
                #expect(try await client.settled())
                #expect(fake.calls.count == 3, "the first event's redelivery is a duplicate")
            }
        }
    }

    @Test func aBacklogLargerThanTheWorkersDrainsWithoutWaitingForPolls() async throws {
        let deployment = try Self.deployment()
        defer { deployment.remove() }
        // Ten times as many waiting events as the worker runs at once, each its own chat.
        let store = try await SQLiteRunnerStore(path: deployment.storePath)
        let past = Date().addingTimeInterval(-60)
        _ = try await store.accept(
            Self.waiting((0..<40).map { Self.event("b\($0)", text: "\($0)", at: past, chat: 1000 + $0) }),
            now: past
        )
        try await store.close()

        let fake = FakeBotAPI()
        try await fake.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels.telegramAPIBaseURL = baseURL
            configuration.delivery.inboxConcurrency = 4
            // The only poll is the one at startup: the rest must follow from the runs finishing.
            configuration.delivery.inboxPollIntervalMs = 3_600_000
            try await withLiveHost(configuration) { client async throws in
                // 30 s, not the usual 10: 40 runs and deliveries on a machine busy with the whole
                // suite; the next poll is an hour away, so draining at all proves the point.
                #expect(try await eventually(timeout: .seconds(30)) { fake.calls.count == 40 }, "\(fake.calls.count) of 40")
                #expect(try await client.adminStatus()["inbox"] == ["pending": 0, "in_flight": 0, "failed": 0])
                #expect(Set(fake.calls.compactMap { $0.body["text"] as? String }).count == 40)
            }
        }
    }

    @Test func anEventThatCannotRunYetIsRetriedPastTheAttemptLimitUntilItsWindowEnds() async throws {
        let deployment = try Self.deployment()
        defer { deployment.remove() }
        // An event of a tenant this node has not loaded, whose runs already died four times.
        let clock = ManualClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        let store = try await SQLiteRunnerStore(path: deployment.storePath)
        var event = Self.event("ghostly", text: "boo", at: clock.now)
        event.tenant = "ghost"
        event.attempts = 4
        _ = try await store.accept(
            Self.waiting([event], retainUntil: clock.now),
            now: clock.now
        )
        try await store.close()

        var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        configuration.delivery.inboxPollIntervalMs = 20
        configuration.delivery.inboxMaxAttempts = 5
        configuration.delivery.inboxRetryWindowSeconds = 3600
        let recorder = LogRecorder()
        try await withLiveHost(configuration, logger: recorder.logger, now: clock.reader) { client async throws in
            @Sendable func retries() -> [LogRecorder.Line] { recorder.recorded.filter { $0.message == "the event will run again later" } }
            // Not loaded is not poison: far more retries than the attempt limit, each after a
            // delay of half the event's age.
            for round in 1...12 {
                #expect(try await eventually { retries().count == round }, "retry \(round)")
                let age = Double((round - 1) * 300)
                #expect(retries().last?.metadata["retry_in_s"].map { "\($0)" } == "\(min(300, max(1, age / 2)))")
                #expect(try await eventually { try await client.adminStatus()["inbox"] == ["pending": 1, "in_flight": 0, "failed": 0] })
                clock.advance(by: 300)
            }
            // An hour after it arrived, it is given up and recorded as failed.
            #expect(try await eventually { try await client.adminStatus()["inbox"] == ["pending": 0, "in_flight": 0, "failed": 1] })
            #expect(retries().count == 12)
            #expect(
                recorder.recorded.contains {
                    $0.message.hasPrefix("the event cannot run") && "\($0.metadata)".contains("gave up after retrying for 3600 s")
                }
            )
        }
    }

    @Test func aReleaseTheStoreRefusedIsMadeWhenItIsBack() async throws {
        let deployment = try Self.deployment()
        defer { deployment.remove() }
        let clock = ManualClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        let store = InstrumentedStore()
        var event = Self.event("ghostly", text: "boo", at: clock.now)
        event.tenant = "ghost"
        _ = try await store.accept(
            Self.waiting([event], retainUntil: clock.now),
            now: clock.now
        )
        store.failReleases = true
        var configuration = deployment.configuration(
            bindings: [try deployment.bindings(demoBindings)],
            store: try .init(url: "instrumented://")
        )
        configuration.delivery.inboxPollIntervalMs = 20
        let stores = StoreFactory.builtIn.with(scheme: "instrumented") { _ in .init(store: store, close: {}) }
        try await withLiveHost(configuration, stores: stores, now: clock.reader) { client async throws in
            // The event could not run (its tenant is not loaded) and the store refused to take it back.
            #expect(try await eventually { store.refusedReleases >= 1 })
            #expect(try await client.adminStatus()["inbox"] == ["pending": 0, "in_flight": 1, "failed": 0])
            // The store is back within the lease: a poll makes the release, so the event waits
            // its turn (its attempt taken back) instead of counting as a run that died.
            store.failReleases = false
            #expect(try await eventually { try await client.adminStatus()["inbox"] == ["pending": 1, "in_flight": 0, "failed": 0] })
        }
    }
}
