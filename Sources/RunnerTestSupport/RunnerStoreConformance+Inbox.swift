import RunnerCore
import Testing

extension RunnerStoreConformance {
    func inboxAcceptThenLease(_ store: any RunnerStore) async throws {
        let first = Fixture.inboxEvent("e1", session: "s1", receivedAt: 10)
        let second = Fixture.inboxEvent("e2", session: "s2", receivedAt: 5, reply: nil)
        let outcomes = try await store.accept(
            Fixture.acceptance([(first, Fixture.dedupeKey(id: "u1")), (second, nil)]),
            now: Fixture.at(20)
        )
        #expect(outcomes == [.accepted(nil), .accepted(nil)])
        #expect(try await store.queueCounts().inbox == InboxCounts(pending: 2, inFlight: 0, failed: 0))

        let leases = try await store.leaseInbox(now: Fixture.at(20), limit: 10, leaseUntil: Fixture.at(30_000))
        #expect(leases.map(\.event.id) == ["e2", "e1"], "oldest first")
        for lease in leases {
            var expected = lease.event.id == "e1" ? first : second
            expected.attempts = 1
            #expect(lease.event == expected, "every field round-trips; a lease counts an attempt")
            #expect(lease.leaseUntil == Fixture.at(30_000))
        }
        #expect(try await store.leaseInbox(now: Fixture.at(29_999), limit: 10, leaseUntil: Fixture.at(60_000)).isEmpty)
        let again = try await store.leaseInbox(now: Fixture.at(30_000), limit: 10, leaseUntil: Fixture.at(60_000))
        #expect(again.map(\.event.attempts) == [2, 2], "a lease that ran out (its holder died) is taken over")
        #expect(Set(again.map(\.token)).isDisjoint(with: leases.map(\.token)))
        #expect(try await store.leaseInbox(now: Fixture.at(90_000), limit: 0, leaseUntil: Fixture.at(99_000)).isEmpty)
    }

    func inboxDuplicatesAreNotAccepted(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey(namespace: "slack", id: "Ev1")
        let response = StoredResponse(status: 200, headers: ["x-ack": "1"], body: [])
        #expect(
            try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("a"), key)], response: response), now: Fixture.at(0))
                == [.accepted(nil)]
        )
        #expect(
            try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("b"), key)]), now: Fixture.at(1_000)) == [.duplicate],
            "a redelivery is a duplicate"
        )
        #expect(
            try await store.claim(key, leaseUntil: Fixture.at(9_000), now: Fixture.at(1_000)) == .completed(response),
            "the dedupe record answers with the acknowledgement"
        )
        let twice = try await store.accept(
            Fixture.acceptance([
                (Fixture.inboxEvent("c"), Fixture.dedupeKey(id: "same")), (Fixture.inboxEvent("d"), Fixture.dedupeKey(id: "same")),
            ]),
            now: Fixture.at(1_000)
        )
        #expect(twice == [.accepted(nil), .duplicate], "the same key twice in one acceptance")

        let claimed = Fixture.dedupeKey(id: "claimed")
        _ = try await claimToken(store, claimed, leaseUntil: 5_000, now: 1_000)
        #expect(try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("e"), claimed)]), now: Fixture.at(2_000)) == [.duplicate])

        let ids = try await store.leaseInbox(now: Fixture.at(2_000), limit: 10, leaseUntil: Fixture.at(9_000)).map(\.event.id)
        #expect(ids.sorted() == ["a", "c"], "duplicates wrote nothing")

        // Past retention (or a lapsed claim) the key may be accepted again.
        #expect(
            try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("f"), claimed)]), now: Fixture.at(5_000)) == [.accepted(nil)]
        )
        #expect(
            try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("g"), key)]), now: Fixture.at(Fixture.retainMS)) == [
                .accepted(nil)
            ]
        )
    }

    func inboxAcceptanceLeasedToTheCaller(_ store: any RunnerStore) async throws {
        var acceptance = Fixture.acceptance([(Fixture.inboxEvent("mine"), Fixture.dedupeKey(id: "m"))])
        acceptance.leaseUntil = Fixture.at(10_000)
        let outcome = try await store.accept(acceptance, now: Fixture.at(0))
        guard case .accepted(let held?) = outcome.first else {
            Issue.record("expected a lease, got \(outcome)")
            return
        }
        #expect(held.event.attempts == 1)
        #expect(held.leaseUntil == Fixture.at(10_000))
        #expect(try await store.queueCounts().inbox.inFlight == 1)
        #expect(try await store.leaseInbox(now: Fixture.at(9_999), limit: 10, leaseUntil: Fixture.at(20_000)).isEmpty)
        try await store.commit(RunCommit(inbox: .init(id: held.event.id, token: held.token, outcome: .done)))
        #expect(try await store.queueCounts().inbox == InboxCounts(), "a done event is removed")
        #expect(try await store.leaseInbox(now: Fixture.at(20_000), limit: 10, leaseUntil: Fixture.at(30_000)).isEmpty)
    }

    func inboxKeepsSessionOrder(_ store: any RunnerStore) async throws {
        _ = try await store.accept(
            Fixture.acceptance([
                (Fixture.inboxEvent("s-1", session: "s", receivedAt: 0), nil),
                (Fixture.inboxEvent("s-2", session: "s", receivedAt: 1), nil),
                (Fixture.inboxEvent("s-3", session: "s", receivedAt: 2), nil),
                (Fixture.inboxEvent("t-1", session: "t", receivedAt: 1), nil),
                (Fixture.inboxEvent("s-other-tenant", session: "s", receivedAt: 3, tenant: "tenant-b"), nil),
            ]),
            now: Fixture.at(5)
        )
        var leases = try await store.leaseInbox(now: Fixture.at(10), limit: 10, leaseUntil: Fixture.at(60_000))
        #expect(leases.map(\.event.id) == ["s-1", "t-1", "s-other-tenant"], "one head per session")
        #expect(try await store.leaseInbox(now: Fixture.at(10), limit: 10, leaseUntil: Fixture.at(60_000)).isEmpty)

        let s1 = try #require(leases.first)
        #expect(try await store.releaseInbox(id: "s-1", token: s1.token, retryAt: Fixture.at(1_000), error: "store busy"))
        #expect(try await store.leaseInbox(now: Fixture.at(20), limit: 10, leaseUntil: Fixture.at(60_000)).isEmpty, "s-2 waits for s-1")
        leases = try await store.leaseInbox(now: Fixture.at(1_000), limit: 10, leaseUntil: Fixture.at(60_000))
        #expect(leases.map(\.event.id) == ["s-1"])
        #expect(leases.first?.event.attempts == 1, "a release takes back the attempt its lease counted")
        let again = try #require(leases.first)
        try await store.commit(
            RunCommit(inbox: .init(id: "s-1", token: again.token, outcome: .failed(error: "flow failed", retainUntil: Fixture.at(50_000))))
        )
        leases = try await store.leaseInbox(now: Fixture.at(1_001), limit: 10, leaseUntil: Fixture.at(60_000))
        #expect(leases.map(\.event.id) == ["s-2"], "a failed event does not block its session")
    }

    func inboxLeasesOnlyTheHeadOfASession(_ store: any RunnerStore) async throws {
        _ = try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("a-1", session: "a", receivedAt: 0), nil)]), now: Fixture.at(0))
        var mine = Fixture.acceptance([
            (Fixture.inboxEvent("a-2", session: "a", receivedAt: 1), nil),
            (Fixture.inboxEvent("b-1", session: "b", receivedAt: 1), nil),
            (Fixture.inboxEvent("b-2", session: "b", receivedAt: 1), nil),
        ])
        mine.leaseUntil = Fixture.at(10_000)
        let outcomes = try await store.accept(mine, now: Fixture.at(1))
        #expect(outcomes.map { if case .accepted(let lease) = $0 { lease?.event.id } else { "duplicate" } } == [nil, "b-1", nil])
        #expect(
            outcomes.allSatisfy { if case .accepted = $0 { true } else { false } },
            "an event behind another of its session is accepted, not leased to the caller"
        )
        #expect(try await store.leaseInbox(now: Fixture.at(2), limit: 10, leaseUntil: Fixture.at(10_000)).map(\.event.id) == ["a-1"])

        // Another node's clock runs behind: its event sorts before the running one, and still
        // waits for it; the running one's expired lease is taken over first.
        var late = Fixture.acceptance([(Fixture.inboxEvent("c-2", session: "c", receivedAt: 100), nil)])
        late.leaseUntil = Fixture.at(10_000)
        #expect(
            try await store.accept(late, now: Fixture.at(100)).first.map { if case .accepted(let l) = $0 { l != nil } else { false } }
                == true
        )
        var skewed = Fixture.acceptance([(Fixture.inboxEvent("c-1", session: "c", receivedAt: 50), nil)])
        skewed.leaseUntil = Fixture.at(10_000)
        #expect(try await store.accept(skewed, now: Fixture.at(100)) == [.accepted(nil)])
        #expect(try await store.leaseInbox(now: Fixture.at(200), limit: 10, leaseUntil: Fixture.at(10_000)).isEmpty)
        let takeover = try await store.leaseInbox(now: Fixture.at(10_000), limit: 10, leaseUntil: Fixture.at(20_000)).map(\.event.id)
        #expect(takeover.sorted() == ["a-1", "b-1", "c-2"], "the expired leases, not the events behind them")
    }

    func inboxCompletionIsFencedByItsLease(_ store: any RunnerStore) async throws {
        _ = try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("e"), nil)]), now: Fixture.at(0))
        let stale = try #require(try await store.leaseInbox(now: Fixture.at(0), limit: 1, leaseUntil: Fixture.at(10_000)).first)
        let current = try #require(try await store.leaseInbox(now: Fixture.at(10_000), limit: 1, leaseUntil: Fixture.at(20_000)).first)

        let key = Fixture.resumeKey()
        await expectStoreError(.claimLost, "the first holder's lease ran out and another took the event") {
            try await store.commit(
                RunCommit(
                    resume: .save(Fixture.record(key, createdAt: 10_500), expectedRevision: nil),
                    stateWrites: [Fixture.write(.keyValue, "k", [1])],
                    inbox: .init(id: "e", token: stale.token, outcome: .done),
                    outbox: [Fixture.outbox("late-reply", createdAt: 10_500)]
                )
            )
        }
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(10_600)) == nil, "nothing of a fenced-out commit lands")
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot())
        #expect(try await leaseIDs(store, now: 10_600, leaseUntil: 11_000).isEmpty)
        #expect(try await store.releaseInbox(id: "e", token: stale.token, retryAt: Fixture.at(0), error: "x") == false)

        try await store.commit(
            RunCommit(inbox: .init(id: "e", token: current.token, outcome: .failed(error: "flow failed", retainUntil: Fixture.at(50_000))))
        )
        await expectStoreError(.claimLost, "a completed event cannot be completed again") {
            try await store.commit(RunCommit(inbox: .init(id: "e", token: current.token, outcome: .done)))
        }
        #expect(try await store.queueCounts().inbox == InboxCounts(pending: 0, inFlight: 0, failed: 1))
        #expect(try await store.leaseInbox(now: Fixture.at(40_000), limit: 10, leaseUntil: Fixture.at(60_000)).isEmpty)
        #expect(try await store.purgeExpired(now: Fixture.at(49_999)) == 0)
        #expect(try await store.purgeExpired(now: Fixture.at(50_000)) == 1, "a failed event is kept until its retention ends")
        #expect(try await store.queueCounts().inbox == InboxCounts())
    }

    func inboxAcceptanceWritesItsOutboxAtomically(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey(id: "cb-1")
        let entry = Acceptance.Entry(
            event: Fixture.inboxEvent("button"),
            dedupe: key,
            outbox: [Fixture.outbox("answer-callback", createdAt: 0)]
        )
        #expect(
            try await store.accept(
                Acceptance(entries: [entry], response: Fixture.response, retainUntil: Fixture.at(90_000)),
                now: Fixture.at(0)
            ) == [.accepted(nil)]
        )
        #expect(try await leaseIDs(store, now: 0, leaseUntil: 1_000) == ["answer-callback"])

        let redelivery = Acceptance.Entry(event: Fixture.inboxEvent("button-again"), dedupe: key, outbox: [Fixture.outbox("answer-again")])
        #expect(
            try await store.accept(
                Acceptance(entries: [redelivery], response: Fixture.response, retainUntil: Fixture.at(90_000)),
                now: Fixture.at(1)
            ) == [.duplicate]
        )
        #expect(try await leaseIDs(store, now: 1_000, leaseUntil: 2_000) == ["answer-callback"], "a duplicate's outbox is not written")

        await expectStoreError(.backend, "an inbox id already stored fails the whole acceptance") {
            _ = try await store.accept(
                Acceptance(
                    entries: [
                        .init(
                            event: Fixture.inboxEvent("fresh"),
                            dedupe: Fixture.dedupeKey(id: "fresh"),
                            outbox: [Fixture.outbox("fresh-reply")]
                        ),
                        .init(event: Fixture.inboxEvent("button"), dedupe: Fixture.dedupeKey(id: "other")),
                    ],
                    response: Fixture.response,
                    retainUntil: Fixture.at(90_000)
                ),
                now: Fixture.at(2)
            )
        }
        #expect(
            try await store.claim(Fixture.dedupeKey(id: "fresh"), leaseUntil: Fixture.at(9_000), now: Fixture.at(3))
                != .completed(Fixture.response)
        )
        #expect(try await store.queueCounts().inbox == InboxCounts(pending: 1, inFlight: 0, failed: 0))
        #expect(try await store.queueCounts().outbox == OutboxCounts(pending: 0, inFlight: 1, dead: 0))
    }

    func concurrentAcceptsOfOneEventOneWins(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey(namespace: "slack", id: "Ev-raced")
        let outcomes = try await withThrowingTaskGroup(of: [AcceptOutcome].self) { group in
            for index in 0..<Self.contenders {
                group.addTask {
                    try await store.accept(Fixture.acceptance([(Fixture.inboxEvent("copy-\(index)"), key)]), now: Fixture.at(0))
                }
            }
            return try await group.reduce(into: [AcceptOutcome]()) { $0.append(contentsOf: $1) }
        }
        #expect(outcomes.filter { $0 == .accepted(nil) }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == .duplicate }.count == Self.contenders - 1)
        #expect(try await store.queueCounts().inbox.pending == 1)
    }

    func concurrentInboxLeasesTakeEachEventOnce(_ store: any RunnerStore) async throws {
        let count = 10
        _ = try await store.accept(
            Fixture.acceptance((0..<count).map { (Fixture.inboxEvent("e-\($0)", session: "s-\($0)", receivedAt: Int64($0)), nil) }),
            now: Fixture.at(100)
        )
        let leases = try await withThrowingTaskGroup(of: [InboxLease].self) { group in
            for _ in 0..<Self.contenders {
                group.addTask { try await store.leaseInbox(now: Fixture.at(100), limit: 1, leaseUntil: Fixture.at(30_000)) }
            }
            return try await group.reduce(into: [InboxLease]()) { $0.append(contentsOf: $1) }
        }
        #expect(leases.count == count)
        #expect(Set(leases.map(\.event.id)).count == count)
    }
}

extension Fixture {
    /// How long acceptances retain their dedupe records (ms after the origin).
    static let retainMS: Int64 = 600_000

    static func inboxEvent(
        _ id: String,
        session: String? = nil,
        receivedAt: Int64 = 0,
        tenant: String = "tenant-a",
        reply: ReplyTarget? = ReplyTarget(provider: "telegram", conversation: "42", address: ["chat_id": 42, "note": "ünïcode ✓"])
    ) -> InboxEvent {
        InboxEvent(
            id: id,
            tenant: tenant,
            provider: "telegram",
            sessionKey: session ?? "session-\(id)",
            flowID: "chat",
            input: ["text": .string("hello \(id)"), "nested": ["deep": [1, 2.5, nil, true]]],
            reply: reply,
            receivedAt: at(receivedAt)
        )
    }

    static func acceptance(_ entries: [(InboxEvent, DedupeKey?)], response: StoredResponse = Fixture.response) -> Acceptance {
        Acceptance(entries: entries.map { Acceptance.Entry(event: $0.0, dedupe: $0.1) }, response: response, retainUntil: at(retainMS))
    }
}
