import RunnerCore
import Testing

extension RunnerStoreConformance {
    func outboxCommitThenLease(_ store: any RunnerStore) async throws {
        let messages = [
            Fixture.outbox("c", createdAt: 2_000, sequence: 0),
            Fixture.outbox("b", createdAt: 1_000, sequence: 1),
            Fixture.outbox("a", createdAt: 1_000, sequence: 0),
            Fixture.outbox("z", createdAt: 1_000, sequence: 1, tenant: "tenant-b"),  // ties on time and sequence: by id
        ]
        try await store.commit(RunCommit(outbox: messages))

        let batch = try await lease(store, now: 5_000, leaseUntil: 35_000)
        #expect(batch.leases.map(\.id) == ["a", "b", "z", "c"], "oldest first: creation time, then sequence, then id")
        #expect(batch.abandoned.isEmpty)
        for lease in batch.leases {
            let expected = try #require(messages.first { $0.id == lease.id })
            #expect(lease.message == expected, "every field round-trips; a lease counts no attempt")
            #expect(lease.leaseUntil == Fixture.at(35_000))
        }
        #expect(Set(batch.leases.map(\.token)).count == 4, "every lease has its own token")

        #expect(try await leaseIDs(store, now: 34_999, leaseUntil: 70_000).isEmpty, "leased until 35 000")
        let again = try await lease(store, now: 35_000, leaseUntil: 70_000)
        #expect(again.leases.map(\.id) == ["a", "b", "z", "c"], "a lease that ran out before the send started is due again")
        #expect(again.leases.allSatisfy { $0.message.attempts == 0 }, "no send was started, so no attempt counted")
        #expect(Set(again.leases.map(\.token)).isDisjoint(with: batch.leases.map(\.token)), "a new lease gets a new token")
    }

    func outboxLeaseHonoursDueTimeLimitAndExclusions(_ store: any RunnerStore) async throws {
        try await store.commit(
            RunCommit(outbox: [
                Fixture.outbox("first", createdAt: 0, sequence: 0),
                Fixture.outbox("second", createdAt: 0, sequence: 1),
                Fixture.outbox("third", createdAt: 0, sequence: 2),
                Fixture.outbox("later", createdAt: 0, sequence: 3, nextAttemptAt: 20_000),
                Fixture.outbox("other-tenant", createdAt: 0, sequence: 4, tenant: "tenant-b"),
            ])
        )
        #expect(try await leaseIDs(store, now: 1_000, limit: 0, leaseUntil: 9_000).isEmpty)
        #expect(try await leaseIDs(store, now: 1_000, limit: 2, leaseUntil: 9_000) == ["first", "second"])
        #expect(
            try await lease(store, now: 1_000, leaseUntil: 9_000, room: ["tenant-b": 0]).leases.map(\.id) == ["third"],
            "a tenant at its cap is left alone"
        )
        #expect(
            try await lease(store, now: 19_999, leaseUntil: 30_000, maxPerTenant: 2, room: ["tenant-b": 1]).leases.map(\.id) == [
                "first", "second", "other-tenant",
            ],
            "at most the tenant's room: two of tenant-a, one of tenant-b"
        )
        #expect(try await leaseIDs(store, now: 30_000, leaseUntil: 40_000) == ["first", "second", "third", "later", "other-tenant"])
    }

    func outboxLeaseFindsAnotherTenantBehindOnesBacklog(_ store: any RunnerStore) async throws {
        // Tenant a has twenty replies queued (each its own conversation, so each is a head),
        // tenant b one behind them. A lease for one of a's and one more finds b's.
        var messages = (0..<20).map { Fixture.outbox("a-\($0)", createdAt: 1_000, sequence: $0, conversation: "chat-\($0)") }
        messages.append(Fixture.outbox("b", createdAt: 1_000, sequence: 20, tenant: "tenant-b"))
        try await store.commit(RunCommit(outbox: messages))
        #expect(
            try await lease(store, now: 2_000, limit: 2, leaseUntil: 9_000, maxPerTenant: 1).leases.map(\.id) == ["a-0", "b"],
            "a tenant filled to its room does not hide another tenant's reply queued behind its backlog"
        )
    }

    func outboxCommitLeasesItsRepliesToTheCommitter(_ store: any RunnerStore) async throws {
        #expect(try await store.commit(RunCommit(outbox: [Fixture.outbox("plain", conversation: "p")])).isEmpty, "no lease asked")
        let leased = try await store.commit(
            RunCommit(
                outbox: [
                    Fixture.outbox("a2", createdAt: 1_000, sequence: 1, conversation: "a"),
                    Fixture.outbox("a1", createdAt: 1_000, sequence: 0, conversation: "a"),
                    Fixture.outbox("b1", createdAt: 1_000, sequence: 2, conversation: "b"),
                    Fixture.outbox("p2", createdAt: 1_000, sequence: 3, conversation: "p"),
                    Fixture.outbox("later", createdAt: 1_000, sequence: 4, nextAttemptAt: 5_000, conversation: "c"),
                ],
                replyLease: .init(until: Fixture.at(60_000), limit: 10)
            )
        )
        #expect(leased.map(\.id) == ["a1", "b1"], "the due heads, in delivery order: a2 waits for a1, p2 for plain")
        #expect(leased.allSatisfy { $0.leaseUntil == Fixture.at(60_000) && $0.message.attempts == 0 })
        #expect(Set(leased.map(\.token)).count == 2)
        #expect(
            try await leaseIDs(store, now: 5_000, leaseUntil: 9_000) == ["plain", "later"],
            "the commit's leases hold: leaseOutbox takes only what the commit left"
        )

        let one = try await store.commit(
            RunCommit(
                outbox: [
                    Fixture.outbox("d1", createdAt: 2_000, conversation: "d"),
                    Fixture.outbox("e1", createdAt: 2_000, sequence: 1, conversation: "e"),
                ],
                replyLease: .init(until: Fixture.at(60_000), limit: 1)
            )
        )
        #expect(one.map(\.id) == ["d1"], "at most the limit")
        #expect(try await leaseIDs(store, now: 5_000, leaseUntil: 9_000) == ["e1"])

        // The commit's lease is a lease like any other: fenced, and its conversation's next
        // reply goes once it is delivered.
        let a1 = try #require(leased.first)
        #expect(try await store.startDelivery(a1, now: Fixture.at(2_000)))
        #expect(try await store.finishOutbox(a1, outcome: .delivered, now: Fixture.at(2_001)))
        #expect(try await leaseIDs(store, now: 5_000, leaseUntil: 9_000) == ["a2"])
        #expect(
            try await store.commit(
                RunCommit(
                    outbox: [Fixture.outbox("b2", createdAt: 3_000, conversation: "b")],
                    replyLease: .init(until: Fixture.at(60_000), limit: 10)
                )
            ).isEmpty,
            "b1 is still undelivered"
        )
        #expect(
            try await leaseIDs(store, now: 60_000, leaseUntil: 90_000) == ["plain", "a2", "b1", "later", "d1", "e1"],
            "a commit's lease runs out like any other (p2 and b2 still wait behind plain and b1)"
        )
    }

    func outboxFinishOutcomes(_ store: any RunnerStore) async throws {
        try await store.commit(
            RunCommit(outbox: [
                Fixture.outbox("delivered", sequence: 0),
                Fixture.outbox("retried", sequence: 1),
                Fixture.outbox("dead", sequence: 2),
                Fixture.outbox("postponed", sequence: 3),
            ])
        )
        let leases = try await lease(store, now: 0, leaseUntil: 10_000).leases
        let byID = Dictionary(uniqueKeysWithValues: leases.map { ($0.id, $0) })
        for id in ["delivered", "retried", "dead"] {
            #expect(try await store.startDelivery(try #require(byID[id]), now: Fixture.at(1)))
        }
        #expect(try await store.finishOutbox(try #require(byID["delivered"]), outcome: .delivered, now: Fixture.at(2)))
        #expect(
            try await store.finishOutbox(
                try #require(byID["retried"]),
                outcome: .retry(at: Fixture.at(5_000), error: "HTTP 429"),
                now: Fixture.at(2)
            )
        )
        #expect(
            try await store.finishOutbox(
                try #require(byID["dead"]),
                outcome: .deadLetter(error: "HTTP 403: bot was blocked", retainUntil: Fixture.at(900_000)),
                now: Fixture.at(2)
            )
        )
        #expect(
            try await store.finishOutbox(try #require(byID["postponed"]), outcome: .postpone(until: Fixture.at(3_000)), now: Fixture.at(2))
        )

        #expect(try await leaseIDs(store, now: 2_999, leaseUntil: 20_000).isEmpty)
        let postponed = try await lease(store, now: 3_000, leaseUntil: 20_000).leases
        #expect(postponed.map(\.id) == ["postponed"])
        #expect(postponed.first?.message.attempts == 0, "a postponed message was never tried")
        let retried = try await lease(store, now: 5_000, leaseUntil: 20_000).leases
        #expect(retried.map(\.id) == ["retried"], "a retry is due at its time; delivered and dead letters are never leased")
        #expect(retried.first?.message.attempts == 1, "the one started send")
        #expect(retried.first?.message.nextAttemptAt == Fixture.at(5_000))

        let letters = try await store.deadLetters(tenant: nil, after: nil, limit: 10)
        #expect(letters.letters.map(\.message.id) == ["dead"])
        #expect(letters.letters.first?.error == "HTTP 403: bot was blocked")
        #expect(letters.letters.first?.retainUntil == Fixture.at(900_000))
        #expect(letters.letters.first?.message.attempts == 1)
    }

    func outboxLeaseIsFencedByItsToken(_ store: any RunnerStore) async throws {
        try await store.commit(RunCommit(outbox: [Fixture.outbox("reply")]))
        let stale = try #require(try await lease(store, now: 0, leaseUntil: 10_000).leases.first)
        #expect(try await store.startDelivery(stale, now: Fixture.at(10_000)) == false, "a lease ends at leaseUntil: no send may start")

        let current = try #require(try await lease(store, now: 10_000, leaseUntil: 20_000).leases.first)
        #expect(current.token != stale.token)
        #expect(try await store.startDelivery(stale, now: Fixture.at(10_001)) == false, "the stale holder cannot send")
        #expect(
            try await store.finishOutbox(
                stale,
                outcome: .deadLetter(error: "stale", retainUntil: Fixture.at(90_000)),
                now: Fixture.at(10_001)
            )
                == false,
            "nor record an outcome"
        )
        #expect(try await store.deadLetters(tenant: nil, after: nil, limit: 10).letters.isEmpty)

        #expect(try await store.startDelivery(current, now: Fixture.at(10_002)))
        #expect(try await store.startDelivery(current, now: Fixture.at(10_003)) == false, "a send starts once per lease")
        #expect(try await store.finishOutbox(stale, outcome: .delivered, now: Fixture.at(10_004)) == false)
        #expect(try await store.finishOutbox(current, outcome: .delivered, now: Fixture.at(10_004)))
        #expect(try await store.finishOutbox(current, outcome: .delivered, now: Fixture.at(10_005)) == false, "the message is gone")
        #expect(try await store.queueCounts().outbox == OutboxCounts())
    }

    func outboxKeepsConversationOrderAcrossBatches(_ store: any RunnerStore) async throws {
        try await store.commit(
            RunCommit(outbox: [
                Fixture.outbox("x1", createdAt: 0, sequence: 0, conversation: "x"),
                Fixture.outbox("x2", createdAt: 0, sequence: 1, conversation: "x"),
                Fixture.outbox("x3", createdAt: 100, sequence: 0, conversation: "x"),
                Fixture.outbox("y1", createdAt: 50, sequence: 0, conversation: "y"),
                Fixture.outbox("x-other-tenant", createdAt: 0, sequence: 0, tenant: "tenant-b", conversation: "x"),
            ])
        )
        var batch = try await lease(store, now: 1_000, leaseUntil: 60_000).leases
        #expect(batch.map(\.id) == ["x-other-tenant", "x1", "y1"], "one head per conversation (and tenant)")
        #expect(try await leaseIDs(store, now: 1_000, leaseUntil: 60_000).isEmpty, "x2 waits while x1 is in flight")

        let x1 = try #require(batch.first { $0.id == "x1" })
        #expect(try await store.startDelivery(x1, now: Fixture.at(1_001)))
        #expect(try await store.finishOutbox(x1, outcome: .retry(at: Fixture.at(5_000), error: "HTTP 502"), now: Fixture.at(1_002)))
        #expect(try await leaseIDs(store, now: 2_000, leaseUntil: 60_000).isEmpty, "x2 waits while x1 waits for its retry")

        batch = try await lease(store, now: 5_000, leaseUntil: 60_000).leases
        #expect(batch.map(\.id) == ["x1"], "the retried head goes first")
        let again = try #require(batch.first)
        #expect(try await store.startDelivery(again, now: Fixture.at(5_001)))
        #expect(try await store.finishOutbox(again, outcome: .delivered, now: Fixture.at(5_002)))

        batch = try await lease(store, now: 5_003, leaseUntil: 60_000).leases
        #expect(batch.map(\.id) == ["x2"])
        let x2 = try #require(batch.first)
        #expect(try await store.startDelivery(x2, now: Fixture.at(5_004)))
        #expect(
            try await store.finishOutbox(
                x2,
                outcome: .deadLetter(error: "HTTP 400", retainUntil: Fixture.at(900_000)),
                now: Fixture.at(5_005)
            )
        )
        #expect(try await leaseIDs(store, now: 5_006, leaseUntil: 60_000) == ["x3"], "a dead letter does not block its conversation")
    }

    func outboxAbandonedSendsAreNeverResentSilently(_ store: any RunnerStore) async throws {
        try await store.commit(
            RunCommit(outbox: [
                Fixture.outbox("crashed", createdAt: 0, conversation: "x"),
                Fixture.outbox("next", createdAt: 1, conversation: "x"),
                Fixture.outbox("never-started", createdAt: 0, conversation: "y"),
            ])
        )
        let leases = try await lease(store, now: 0, leaseUntil: 10_000).leases
        let crashed = try #require(leases.first { $0.id == "crashed" })
        #expect(try await store.startDelivery(crashed, now: Fixture.at(1)))
        // The holder dies here: the provider may or may not have the message.

        let batch = try await lease(store, now: 9_999, leaseUntil: 20_000)
        #expect(batch.abandoned.isEmpty && batch.leases.isEmpty, "still within the lease")
        let after = try await lease(store, now: 10_000, leaseUntil: 20_000)
        #expect(after.abandoned.map(\.id) == ["crashed"])
        #expect(after.abandoned.first?.attempts == 1)
        #expect(after.leases.map(\.id) == ["never-started", "next"], "never started: due again; the dead letter no longer blocks")
        let letter = try #require(try await store.deadLetters(tenant: "tenant-a", after: nil, limit: 10).letters.first)
        #expect(letter.message.id == "crashed")
        #expect(letter.error == DeadLetter.unknownOutcome)
        #expect(letter.retainUntil == Fixture.at(1_000_000))
        #expect(try await store.finishOutbox(crashed, outcome: .delivered, now: Fixture.at(10_001)) == false)

        // With the resend policy, an abandoned send becomes due at once.
        let next = try #require(after.leases.first { $0.id == "next" })
        #expect(try await store.startDelivery(next, now: Fixture.at(10_001)))
        let resent = try await store.leaseOutbox(
            OutboxLeaseRequest(now: Fixture.at(20_000), limit: 10, leaseUntil: Fixture.at(30_000), abandoned: .resend)
        )
        #expect(resent.abandoned.map(\.id) == ["next"])
        #expect(resent.leases.map(\.id).contains("next"))
        #expect(resent.leases.first { $0.id == "next" }?.message.attempts == 1)
    }

    func outboxDeadLettersPageAndReplay(_ store: any RunnerStore) async throws {
        let ids = ["d1", "d2", "d3", "d4", "e1"]
        try await store.commit(
            RunCommit(outbox: ids.map { Fixture.outbox($0, tenant: $0.hasPrefix("e") ? "tenant-b" : "tenant-a") })
        )
        for lease in try await lease(store, now: 0, leaseUntil: 10_000).leases {
            #expect(try await store.startDelivery(lease, now: Fixture.at(1)))
            #expect(
                try await store.finishOutbox(
                    lease,
                    outcome: .deadLetter(error: "gave up on \(lease.id)", retainUntil: Fixture.at(500_000)),
                    now: Fixture.at(2)
                )
            )
        }
        let first = try await store.deadLetters(tenant: "tenant-a", after: nil, limit: 3)
        #expect(first.letters.map(\.message.id) == ["d1", "d2", "d3"])
        #expect(first.next == "d3")
        let second = try await store.deadLetters(tenant: "tenant-a", after: first.next, limit: 3)
        #expect(second.letters.map(\.message.id) == ["d4"])
        #expect(second.next == nil)
        #expect(try await store.deadLetters(tenant: nil, after: nil, limit: 10).letters.count == 5)
        #expect(try await store.deadLetters(tenant: "tenant-b", after: nil, limit: 10).letters.map(\.error) == ["gave up on e1"])

        #expect(try await store.replayDeadLetter(id: "e1", tenant: "tenant-a", now: Fixture.at(3)) == false, "another tenant's letter")
        #expect(try await store.replayDeadLetter(id: "nope", tenant: nil, now: Fixture.at(3)) == false)
        #expect(try await store.replayDeadLetter(id: "d2", tenant: "tenant-a", now: Fixture.at(100)))
        #expect(try await store.replayDeadLetter(id: "d2", tenant: "tenant-a", now: Fixture.at(100)) == false, "no longer dead")
        #expect(try await leaseIDs(store, now: 99, leaseUntil: 1_000).isEmpty)
        let replayed = try await lease(store, now: 100, leaseUntil: 1_000).leases
        #expect(replayed.map(\.id) == ["d2"])
        #expect(replayed.first?.message.attempts == 0, "a replay starts the attempts afresh")
        #expect(try await store.queueCounts().outbox == OutboxCounts(pending: 0, inFlight: 1, dead: 4))
    }

    func outboxPurgesExpiredDeadLetters(_ store: any RunnerStore) async throws {
        try await store.commit(RunCommit(outbox: [Fixture.outbox("short"), Fixture.outbox("long"), Fixture.outbox("pending")]))
        let leases = try await lease(store, now: 0, leaseUntil: 10_000).leases
        for lease in leases where lease.id != "pending" {
            let retain: Int64 = lease.id == "short" ? 50_000 : 90_000
            #expect(
                try await store.finishOutbox(lease, outcome: .deadLetter(error: "x", retainUntil: Fixture.at(retain)), now: Fixture.at(1))
            )
        }
        let pending = try #require(leases.first { $0.id == "pending" })
        #expect(try await store.finishOutbox(pending, outcome: .postpone(until: Fixture.at(0)), now: Fixture.at(1)))
        #expect(try await store.purgeExpired(now: Fixture.at(49_999)) == 0)
        #expect(try await store.purgeExpired(now: Fixture.at(50_000)) == 1)
        #expect(try await store.deadLetters(tenant: nil, after: nil, limit: 10).letters.map(\.message.id) == ["long"])
        #expect(try await store.queueCounts().outbox == OutboxCounts(pending: 1, inFlight: 0, dead: 1), "pending messages are never purged")
    }

    func outboxDuplicateIDFailsWholeCommit(_ store: any RunnerStore) async throws {
        try await store.commit(RunCommit(outbox: [Fixture.outbox("reply-1")]))

        let key = Fixture.resumeKey()
        await expectStoreError(.backend, "an outbox id already queued") {
            try await store.commit(
                RunCommit(
                    resume: .save(Fixture.record(key), expectedRevision: nil),
                    stateWrites: [Fixture.write(.keyValue, "k", [1])],
                    outbox: [Fixture.outbox("reply-2"), Fixture.outbox("reply-1", createdAt: 9)]
                )
            )
        }
        await expectStoreError(.backend, "the same outbox id twice in one commit") {
            try await store.commit(RunCommit(outbox: [Fixture.outbox("reply-3"), Fixture.outbox("reply-3")]))
        }
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(1)) == nil)
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot())
        let queued = try await lease(store, now: 10, leaseUntil: 100).leases
        #expect(queued.map(\.message) == [Fixture.outbox("reply-1")])
    }

    func concurrentLeasesTakeEachMessageOnce(_ store: any RunnerStore) async throws {
        let count = 10
        try await store.commit(RunCommit(outbox: (0..<count).map { Fixture.outbox("reply-\($0)", sequence: $0) }))
        let batches = try await withThrowingTaskGroup(of: [OutboxLease].self) { group in
            for _ in 0..<Self.contenders {
                group.addTask {
                    try await lease(store, now: 0, limit: 1, leaseUntil: 30_000).leases
                }
            }
            return try await group.reduce(into: [OutboxLease]()) { $0.append(contentsOf: $1) }
        }
        let ids = batches.map(\.id)
        #expect(ids.count == count, "every message leased exactly once: \(ids.sorted())")
        #expect(Set(ids).count == count)
        let starts = try await withThrowingTaskGroup(of: Bool.self) { group in
            for lease in batches {
                group.addTask { try await store.startDelivery(lease, now: Fixture.at(1)) }
                group.addTask { try await store.startDelivery(lease, now: Fixture.at(1)) }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(starts.filter { $0 }.count == count, "each send starts once")
    }
}
