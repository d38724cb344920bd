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

        let leased = try await store.leaseOutbox(now: Fixture.at(5_000), limit: 10, leaseUntil: Fixture.at(35_000))
        #expect(leased.map(\.id) == ["a", "b", "z", "c"], "oldest first: creation time, then sequence, then id")
        for message in leased {
            var expected = try #require(messages.first { $0.id == message.id })
            expected.attempts = 1
            expected.nextAttemptAt = Fixture.at(35_000)
            #expect(message == expected, "every field round-trips; attempts and nextAttemptAt show the lease")
        }

        #expect(
            try await store.leaseOutbox(now: Fixture.at(34_999), limit: 10, leaseUntil: Fixture.at(70_000)).isEmpty,
            "leased until 35 000"
        )
        let again = try await store.leaseOutbox(now: Fixture.at(35_000), limit: 10, leaseUntil: Fixture.at(70_000))
        #expect(again.map(\.id) == ["a", "b", "z", "c"], "an expired lease makes the message due again")
        #expect(again.allSatisfy { $0.attempts == 2 && $0.nextAttemptAt == Fixture.at(70_000) })
    }

    func outboxLeaseHonoursDueTimeAndLimit(_ store: any RunnerStore) async throws {
        try await store.commit(
            RunCommit(outbox: [
                Fixture.outbox("first", createdAt: 0, sequence: 0),
                Fixture.outbox("second", createdAt: 0, sequence: 1),
                Fixture.outbox("third", createdAt: 0, sequence: 2),
                Fixture.outbox("later", createdAt: 0, sequence: 3, nextAttemptAt: 20_000),
            ])
        )
        #expect(try await store.leaseOutbox(now: Fixture.at(1_000), limit: 0, leaseUntil: Fixture.at(9_000)).isEmpty)
        #expect(
            try await store.leaseOutbox(now: Fixture.at(1_000), limit: 2, leaseUntil: Fixture.at(9_000)).map(\.id) == ["first", "second"]
        )
        #expect(try await store.leaseOutbox(now: Fixture.at(1_000), limit: 2, leaseUntil: Fixture.at(9_000)).map(\.id) == ["third"])
        #expect(
            try await store.leaseOutbox(now: Fixture.at(19_999), limit: 10, leaseUntil: Fixture.at(1_000)).map(\.id) == [
                "first", "second", "third",
            ]
        )
        let due = try await store.leaseOutbox(now: Fixture.at(20_000), limit: 10, leaseUntil: Fixture.at(30_000))
        #expect(due.map(\.id) == ["first", "second", "third", "later"], "due when nextAttemptAt <= now")
        #expect(due.map(\.attempts) == [3, 3, 3, 1])
    }

    func outboxFinishOutcomes(_ store: any RunnerStore) async throws {
        try await store.commit(
            RunCommit(outbox: [
                Fixture.outbox("delivered", sequence: 0),
                Fixture.outbox("retried", sequence: 1),
                Fixture.outbox("dead", sequence: 2),
            ])
        )
        let leased = try await store.leaseOutbox(now: Fixture.at(0), limit: 10, leaseUntil: Fixture.at(10_000))
        #expect(leased.count == 3)

        try await store.finishOutbox(id: "delivered", outcome: .delivered)
        try await store.finishOutbox(id: "retried", outcome: .retry(at: Fixture.at(5_000), error: "HTTP 429"))
        try await store.finishOutbox(id: "dead", outcome: .deadLetter(error: "HTTP 403: bot was blocked"))
        try await store.finishOutbox(id: "no-such-message", outcome: .delivered)  // ignored

        #expect(try await store.leaseOutbox(now: Fixture.at(4_999), limit: 10, leaseUntil: Fixture.at(20_000)).isEmpty)
        let retried = try await store.leaseOutbox(now: Fixture.at(5_000), limit: 10, leaseUntil: Fixture.at(20_000))
        #expect(retried.map(\.id) == ["retried"], "a retry is due at its time; delivered and dead letters are never leased")
        #expect(retried.first?.attempts == 2)
        #expect(
            try await store.leaseOutbox(now: Fixture.at(1_000_000), limit: 10, leaseUntil: Fixture.at(2_000_000)).map(\.id) == ["retried"]
        )

        // A retry outcome reschedules a dead letter (manual requeue).
        try await store.finishOutbox(id: "dead", outcome: .retry(at: Fixture.at(3_000_000), error: "requeued"))
        #expect(
            try await store.leaseOutbox(now: Fixture.at(3_000_000), limit: 10, leaseUntil: Fixture.at(4_000_000)).map(\.id) == [
                "retried", "dead",
            ]
        )
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
        let queued = try await store.leaseOutbox(now: Fixture.at(10), limit: 10, leaseUntil: Fixture.at(100))
        #expect(
            queued
                == [Fixture.outbox("reply-1")].map { message in
                    var leased = message
                    leased.attempts = 1
                    leased.nextAttemptAt = Fixture.at(100)
                    return leased
                }
        )
    }

    func concurrentLeasesTakeEachMessageOnce(_ store: any RunnerStore) async throws {
        let count = 10
        try await store.commit(RunCommit(outbox: (0..<count).map { Fixture.outbox("reply-\($0)", sequence: $0) }))
        let batches = try await withThrowingTaskGroup(of: [OutboxMessage].self) { group in
            for _ in 0..<Self.contenders {
                group.addTask {
                    try await store.leaseOutbox(now: Fixture.at(0), limit: 1, leaseUntil: Fixture.at(30_000))
                }
            }
            return try await group.reduce(into: [OutboxMessage]()) { $0.append(contentsOf: $1) }
        }
        let ids = batches.map(\.id)
        #expect(ids.count == count, "every message leased exactly once: \(ids.sorted())")
        #expect(Set(ids).count == count)
        #expect(batches.allSatisfy { $0.attempts == 1 })
    }
}
