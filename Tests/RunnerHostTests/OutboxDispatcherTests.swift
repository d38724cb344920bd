import Foundation
import Logging
import RunnerCore
import RunnerIngress
import RunnerTestSupport
import Synchronization
import Testing

@testable import RunnerHost

/// The outbox dispatcher on a real in-memory store, a recording channel and a manual clock:
/// retries, Retry-After, dead letters and replay, order per conversation, rate limits,
/// concurrency caps and fencing, each decided by the clock the test moves, never by sleeping.
@Suite("Outbox dispatcher")
struct OutboxDispatcherTests {
    struct Setup {
        let store: any RunnerStore
        let clock = ManualClock()
        let channel: RecordingChannel
        let dispatcher: OutboxDispatcher

        init(
            store: any RunnerStore = InMemoryRunnerStore(),
            configuration: OutboxDispatcher.Configuration = .init(),
            channel: RecordingChannel = RecordingChannel(),
            tenantLimit: RateLimit = RateLimit(perSecond: 1000, burst: 1000),
            conversationLimit: RateLimit? = RateLimit(perSecond: 1000, burst: 1000)
        ) {
            self.store = store
            self.channel = channel
            var logger = Logger(label: "test.outbox")
            logger.logLevel = .critical
            dispatcher = OutboxDispatcher(
                store: store,
                channels: ChannelRegistry([channel]),
                credentials: { _, _ in .none },
                limits: { _ in .init(tenant: tenantLimit, conversation: conversationLimit) },
                configuration: configuration,
                now: clock.reader,
                random: { 1 },
                logger: logger
            )
        }

        func queue(_ messages: OutboxMessage...) async throws {
            try await store.commit(RunCommit(outbox: messages))
        }

        func message(_ id: String, chat: String = "42", text: String? = nil, sequence: Int = 0, tenant: String = "demo") -> OutboxMessage {
            channel.message(id, chat: chat, text: text ?? id, tenant: tenant, createdAt: clock.now, sequence: sequence)
        }
    }

    static let unavailable = DeliveryError(.transient, "HTTP 503")

    @Test func aDeliveredReplyIsSentOnceAndRemoved() async throws {
        let setup = Setup()
        try await setup.queue(setup.message("hello"))
        #expect(await setup.dispatcher.drain().delivered == 1)
        #expect(await setup.dispatcher.drain() == .init(), "nothing left")
        #expect(setup.channel.sentTexts == ["hello"])
        #expect(setup.channel.sent.first?.attempt == 1)
        #expect(try await setup.store.queueCounts().outbox == OutboxCounts())
    }

    @Test func retryAfterIsHonouredAndTheReplyGoesOutOnce() async throws {
        let setup = Setup()
        setup.channel.script("hi", .fail(DeliveryError(.transient, "HTTP 429", retryAfterSeconds: 30)))
        try await setup.queue(setup.message("m", text: "hi"))
        #expect(await setup.dispatcher.drain().retried == 1)
        setup.clock.advance(by: 29.9)
        #expect(await setup.dispatcher.drain() == .init(), "not before Retry-After")
        setup.clock.advance(by: 0.2)
        #expect(await setup.dispatcher.drain().delivered == 1)
        #expect(setup.channel.sent.map(\.attempt) == [1, 2])
        setup.clock.advance(by: 3600)
        #expect(await setup.dispatcher.drain() == .init())
        #expect(setup.channel.sentTexts == ["hi", "hi"], "one failed attempt, one delivery, nothing more")
    }

    @Test func retryAfterIsCappedAtTheBackoffMaximum() async throws {
        let setup = Setup(configuration: .init(backoffBaseMs: 1000, backoffMaxMs: 60_000))
        setup.channel.script("hi", .fail(DeliveryError(.transient, "HTTP 429", retryAfterSeconds: 9_000_000)))
        try await setup.queue(setup.message("m", text: "hi"))
        #expect(await setup.dispatcher.drain().retried == 1)
        setup.clock.advance(by: 59.9)
        #expect(await setup.dispatcher.drain() == .init())
        setup.clock.advance(by: 0.2)
        #expect(await setup.dispatcher.drain().delivered == 1, "a 104-day Retry-After waits OUTBOX_BACKOFF_MAX")
    }

    @Test func aHungSendDoesNotHoldUpRepliesQueuedMeanwhile() async throws {
        // No poll tick during the test: only the nudge can bring the new reply in.
        let setup = Setup(configuration: .init(pollIntervalMs: 3_600_000))
        setup.channel.gate.close()
        try await setup.queue(setup.message("stuck", chat: "a"))
        async let report = setup.dispatcher.drain()
        #expect(try await eventuallyTrue { setup.channel.gate.arrived == 1 })
        try await setup.queue(setup.message("meanwhile", chat: "b", sequence: 1))
        setup.dispatcher.nudge()
        #expect(try await eventuallyTrue { setup.channel.gate.arrived == 2 }, "the new reply's send starts while the first hangs")
        setup.channel.gate.open()
        #expect(await report.delivered == 2)
        #expect(Set(setup.channel.sentTexts) == ["stuck", "meanwhile"])
    }

    @Test func aNudgeForATenantAtItsRoomLeasesNothingUntilOneOfItsSendsFinishes() async throws {
        let store = InstrumentedStore()
        let setup = Setup(store: store, configuration: .init(pollIntervalMs: 3_600_000, tenantConcurrency: 1))
        setup.channel.gate.close()
        try await setup.queue(setup.message("a1", chat: "x", tenant: "a"))
        async let report = setup.dispatcher.drain()
        #expect(try await eventuallyTrue { setup.channel.gate.arrived == 1 })
        let leases = store.outboxLeaseCalls

        // Tenant a is at its room: its new reply waits for a1, and no lease walks its backlog.
        try await setup.queue(setup.message("a2", chat: "y", tenant: "a"))
        setup.dispatcher.nudge(tenant: "a")
        #expect(try await eventuallyTrue { !setup.dispatcher.hasUnansweredNudges })
        #expect(store.outboxLeaseCalls == leases, "no lease for a tenant without room")

        // Tenant b has room: its reply is leased and sent while a1 hangs.
        try await setup.queue(setup.message("b1", chat: "z", tenant: "b"))
        setup.dispatcher.nudge(tenant: "b")
        #expect(try await eventuallyTrue { setup.channel.gate.arrived == 2 })
        #expect(store.outboxLeaseCalls == leases + 1)

        // a1 finishes: a2 goes out.
        setup.channel.gate.open()
        #expect(await report.delivered == 3)
        #expect(Set(setup.channel.sentTexts) == ["a1", "a2", "b1"])
    }

    @Test func aReplyLeasedInItsRunsCommitIsSentWithoutAnotherLease() async throws {
        let store = InstrumentedStore()
        // No poll tick during the test: only the hand-off can start a round.
        let setup = Setup(store: store, configuration: .init(pollIntervalMs: 3_600_000, tenantConcurrency: 1))
        #expect(setup.dispatcher.replyLease(for: "demo", now: setup.clock.now) == nil, "no hand-off while the service is not running")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await setup.dispatcher.run() }
            #expect(try await eventuallyTrue { setup.dispatcher.replyLease(for: "demo", now: setup.clock.now) != nil })
            let replyLease = try #require(setup.dispatcher.replyLease(for: "demo", now: setup.clock.now))
            #expect(replyLease == .init(until: setup.clock.now.addingTimeInterval(65), limit: 1))

            setup.channel.gate.close()
            let leased = try await store.commit(RunCommit(outbox: [setup.message("hello")], replyLease: replyLease))
            #expect(leased.map(\.id) == ["hello"])
            setup.dispatcher.handOff(leased)
            #expect(try await eventuallyTrue { setup.channel.gate.arrived == 1 })
            #expect(setup.dispatcher.replyLease(for: "demo", now: setup.clock.now) == nil, "the tenant is at its room")
            #expect(setup.dispatcher.replyLease(for: "other", now: setup.clock.now) != nil)
            setup.channel.gate.open()

            #expect(try await eventuallyTrue { setup.channel.sentTexts == ["hello"] })
            #expect(try await eventuallyTrue { setup.dispatcher.replyLease(for: "demo", now: setup.clock.now) != nil })
            #expect(try await store.queueCounts().outbox == OutboxCounts(), "delivered and recorded")
            #expect(store.outboxLeaseCalls == 0, "the commit's lease was the only one")
            group.cancelAll()
        }
    }

    @Test func aReplyLeasedInACommitWhoseNodeDiedGoesOutOnceItsLeaseEnds() async throws {
        let setup = Setup()
        // The run's commit leased the reply to its node, which died before handing it over.
        let leased = try await setup.store.commit(
            RunCommit(outbox: [setup.message("orphan")], replyLease: .init(until: setup.clock.now.addingTimeInterval(65), limit: 1))
        )
        #expect(leased.count == 1)
        #expect(await setup.dispatcher.drain() == .init(), "another node leaves it alone while the lease lasts")
        setup.clock.advance(by: 65)
        #expect(await setup.dispatcher.drain().delivered == 1, "then it is leased and sent: not lost")
        setup.clock.advance(by: 3600)
        #expect(await setup.dispatcher.drain() == .init())
        #expect(setup.channel.sentTexts == ["orphan"], "and sent once")
    }

    @Test func backoffDoublesUpToItsCapAndDeadLettersAfterMaxAttempts() async throws {
        let configuration = OutboxDispatcher.Configuration(maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 4000)
        let setup = Setup(configuration: configuration)
        for _ in 0..<5 { setup.channel.script("down", .fail(Self.unavailable)) }
        try await setup.queue(setup.message("m", text: "down"))
        // random() is 1, so each delay is the full doubled delay: 1, 2, 4, then the 4 s cap.
        for delay in [1.0, 2.0, 4.0, 4.0] {
            #expect(await setup.dispatcher.drain().retried == 1)
            setup.clock.advance(by: delay - 0.01)
            #expect(await setup.dispatcher.drain() == .init(), "not before its backoff of \(delay) s")
            setup.clock.advance(by: 0.01)
        }
        #expect(await setup.dispatcher.drain().deadLettered == 1, "the fifth failure is the last")
        let letter = try #require(try await setup.store.deadLetters(tenant: "demo", after: nil, limit: 10).letters.first)
        #expect(letter.error == "gave up after 5 attempts: HTTP 503")
        #expect(letter.message.attempts == 5)
        setup.clock.advance(by: 3600)
        #expect(await setup.dispatcher.drain() == .init(), "a dead letter is never sent on its own")
        #expect(setup.channel.sent.count == 5)

        // An operator replays it; it goes out once.
        #expect(try await setup.store.replayDeadLetter(id: "m", tenant: "demo", now: setup.clock.now))
        #expect(await setup.dispatcher.drain().delivered == 1)
        #expect(setup.channel.sent.last?.attempt == 1, "a replay starts the attempts afresh")
        #expect(try await setup.store.queueCounts().outbox == OutboxCounts())
    }

    @Test func aPermanentErrorIsADeadLetterAtOnce() async throws {
        let setup = Setup()
        setup.channel.script("x", .fail(DeliveryError(.permanent, "HTTP 403: bot was blocked by the user")))
        try await setup.queue(setup.message("m", text: "x"))
        #expect(await setup.dispatcher.drain().deadLettered == 1)
        #expect(
            try await setup.store.deadLetters(tenant: nil, after: nil, limit: 1).letters.first?.error
                == "HTTP 403: bot was blocked by the user"
        )
    }

    @Test func anUnknownOutcomeIsNeverSentAgainUnlessAsked() async throws {
        let careful = Setup()
        careful.channel.script("x", .fail(DeliveryError(.unknownOutcome, "timed out after the request was sent")))
        try await careful.queue(careful.message("m", text: "x"))
        #expect(await careful.dispatcher.drain().deadLettered == 1)
        careful.clock.advance(by: 3600)
        #expect(await careful.dispatcher.drain() == .init())
        #expect(careful.channel.sent.count == 1)
        #expect(
            try await careful.store.deadLetters(tenant: nil, after: nil, limit: 1).letters.first?.error
                == "delivery outcome unknown: timed out after the request was sent"
        )

        let eager = Setup(configuration: .init(resendUnknownOutcomes: true))
        eager.channel.script("x", .fail(DeliveryError(.unknownOutcome, "timed out")))
        try await eager.queue(eager.message("m", text: "x"))
        #expect(await eager.dispatcher.drain().retried == 1)
        eager.clock.advance(by: 1)
        #expect(await eager.dispatcher.drain().delivered == 1)
    }

    @Test func aConversationsRepliesGoOutInOrderEvenAfterAFailure() async throws {
        let setup = Setup()
        setup.channel.script("first", .fail(Self.unavailable))
        try await setup.queue(
            setup.message("a1", chat: "A", text: "first", sequence: 0),
            setup.message("a2", chat: "A", text: "second", sequence: 1),
            setup.message("a3", chat: "A", text: "third", sequence: 2),
            setup.message("b1", chat: "B", text: "other chat", sequence: 3)
        )
        let first = await setup.dispatcher.drain()
        #expect(first.retried == 1)
        #expect(first.delivered == 1, "another chat is not held up")
        // The two conversations' sends run concurrently, so only the set is fixed.
        #expect(setup.channel.sentTexts.sorted() == ["first", "other chat"], "A's later replies wait for its first")
        setup.clock.advance(by: 1)
        #expect(await setup.dispatcher.drain().delivered == 3)
        #expect(setup.channel.sent.filter { $0.chat == "A" }.map(\.text) == ["first", "first", "second", "third"])
    }

    @Test func aFloodedChatWaitsForItsOwnLimitOnly() async throws {
        let setup = Setup(conversationLimit: RateLimit(perSecond: 1, burst: 3))
        for index in 0..<10 {
            try await setup.queue(setup.message("flood-\(index)", chat: "busy", text: "flood \(index)", sequence: index))
        }
        try await setup.queue(setup.message("quiet", chat: "quiet", text: "quiet", sequence: 99))
        let start = await setup.dispatcher.drain()
        #expect(start.delivered == 4, "three of the burst and the quiet chat's reply")
        #expect(setup.channel.sentTexts.contains("quiet"))
        #expect(start.postponed == 1)
        for second in 1...7 {
            setup.clock.advance(by: 1)
            #expect(await setup.dispatcher.drain().delivered == 1, "one a second once the burst is spent (second \(second))")
        }
        #expect(setup.channel.sent.filter { $0.chat == "busy" }.map(\.text) == (0..<10).map { "flood \($0)" })
        #expect(setup.channel.sent.allSatisfy { $0.attempt == 1 }, "waiting for a rate limit is not an attempt")
    }

    @Test func aTenantsRateLimitAppliesAcrossItsChats() async throws {
        let setup = Setup(tenantLimit: RateLimit(perSecond: 2, burst: 2))
        for index in 0..<4 {
            try await setup.queue(setup.message("m\(index)", chat: "chat-\(index)", sequence: index))
        }
        try await setup.queue(setup.message("other", chat: "x", tenant: "other-tenant"))
        #expect(await setup.dispatcher.drain().delivered == 3, "two for the tenant's burst, one for another tenant")
        setup.clock.advance(by: 1)
        #expect(await setup.dispatcher.drain().delivered == 2)
    }

    @Test func oneTenantCannotTakeEverySendSlot() async throws {
        let setup = Setup(configuration: .init(concurrency: 4, tenantConcurrency: 2))
        setup.channel.gate.close()
        for index in 0..<6 {
            try await setup.queue(setup.message("slow-\(index)", chat: "s\(index)", sequence: index, tenant: "slow"))
        }
        try await setup.queue(setup.message("fast", chat: "f", sequence: 9, tenant: "fast"))
        async let report = setup.dispatcher.drain()
        #expect(try await eventuallyTrue { setup.channel.gate.arrived == 3 }, "two of the slow tenant and the fast tenant's one")
        try await Task.sleep(for: .milliseconds(50))
        #expect(setup.channel.gate.arrived == 3, "the slow tenant stays at its cap")
        setup.channel.gate.open()
        #expect(await report.delivered == 7)
    }

    @Test func aStaleHolderCanNeitherSendNorRecordAndItsSendIsNotRepeated() async throws {
        let setup = Setup()
        try await setup.queue(setup.message("m", text: "once"))
        // Another node leased the message, started the send and died.
        let crashed = try #require(
            try await setup.store.leaseOutbox(
                OutboxLeaseRequest(
                    now: setup.clock.now,
                    limit: 1,
                    leaseUntil: setup.clock.now.addingTimeInterval(60),
                    abandoned: .deadLetter(retainUntil: setup.clock.now)
                )
            ).leases.first
        )
        #expect(try await setup.store.startDelivery(crashed, now: setup.clock.now))
        #expect(await setup.dispatcher.drain() == .init(), "held by the other node's lease")
        setup.clock.advance(by: 61)
        let report = await setup.dispatcher.drain()
        #expect(report.abandoned == 1)
        #expect(setup.channel.sent.isEmpty, "the interrupted send is not repeated")
        #expect(try await setup.store.deadLetters(tenant: nil, after: nil, limit: 1).letters.first?.error == DeadLetter.unknownOutcome)
        #expect(try await setup.store.finishOutbox(crashed, outcome: .delivered, now: setup.clock.now) == false)
    }

    @Test func aMessageForAnUnknownChannelIsADeadLetter() async throws {
        let setup = Setup()
        var message = setup.message("m")
        message.target.provider = "carrier-pigeon"
        try await setup.queue(message)
        #expect(await setup.dispatcher.drain().deadLettered == 1)
        #expect(
            try await setup.store.deadLetters(tenant: nil, after: nil, limit: 1).letters.first?.error
                == "no channel delivers provider carrier-pigeon"
        )
    }
}

/// Polls `condition` (for effects of concurrent tasks within one test); the timeout only bounds a hang.
func eventuallyTrue(timeout: Duration = .seconds(10), _ condition: @Sendable () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
