import RunnerCore
import Testing

extension RunnerStoreConformance {
    func dedupeClaimThenInProgress(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        _ = try await claimToken(store, key, leaseUntil: 30_000, now: 0)
        #expect(try await store.claim(key, leaseUntil: Fixture.at(31_000), now: Fixture.at(1_000)) == .inProgress)
        #expect(try await store.claim(key, leaseUntil: Fixture.at(60_000), now: Fixture.at(29_999)) == .inProgress)
    }

    func dedupeCompletionReplaysResponse(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let token = try await claimToken(store, key, leaseUntil: 30_000, now: 0)
        let completion = RunCommit.DedupeCompletion(key: key, token: token, response: Fixture.response, retainUntil: Fixture.at(3_600_000))
        try await store.commit(RunCommit(dedupe: completion))

        #expect(try await store.claim(key, leaseUntil: Fixture.at(31_000), now: Fixture.at(1_000)) == .completed(Fixture.response))
        #expect(
            try await store.claim(key, leaseUntil: Fixture.at(100_000), now: Fixture.at(40_000)) == .completed(Fixture.response),
            "the claim's lease no longer matters once the event is done"
        )

        await expectStoreError(.claimLost, "a done record cannot be completed twice") {
            try await store.commit(RunCommit(dedupe: completion))
        }
        try await store.release(key, token: token)  // no longer a claim: does nothing
        #expect(try await store.claim(key, leaseUntil: Fixture.at(41_000), now: Fixture.at(40_000)) == .completed(Fixture.response))

        let bareKey = Fixture.dedupeKey(id: "update-1002")
        let bareToken = try await claimToken(store, bareKey, leaseUntil: 30_000, now: 0)
        let bare = StoredResponse(status: 204)
        try await store.commit(RunCommit(dedupe: .init(key: bareKey, token: bareToken, response: bare, retainUntil: Fixture.at(60_000))))
        #expect(try await store.claim(bareKey, leaseUntil: Fixture.at(31_000), now: Fixture.at(1_000)) == .completed(bare))
    }

    func dedupeReleaseAllowsReclaim(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let first = try await claimToken(store, key, leaseUntil: 30_000, now: 0)

        try await store.release(key, token: ClaimToken(rawValue: "not-the-holder"))
        #expect(
            try await store.claim(key, leaseUntil: Fixture.at(31_000), now: Fixture.at(1_000)) == .inProgress,
            "a stranger cannot release"
        )

        try await store.release(key, token: first)
        let second = try await claimToken(store, key, leaseUntil: 32_000, now: 2_000)
        #expect(second != first)

        let completion = { (token: ClaimToken) in
            RunCommit(dedupe: .init(key: key, token: token, response: Fixture.response, retainUntil: Fixture.at(60_000)))
        }
        await expectStoreError(.claimLost, "the released token no longer holds the claim") {
            try await store.commit(completion(first))
        }
        try await store.commit(completion(second))
        #expect(try await store.claim(key, leaseUntil: Fixture.at(34_000), now: Fixture.at(3_000)) == .completed(Fixture.response))
    }

    func dedupeExpiredLeaseIsReclaimedAndClaimLost(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let crashed = try await claimToken(store, key, leaseUntil: 10_000, now: 0)
        #expect(try await store.claim(key, leaseUntil: Fixture.at(20_000), now: Fixture.at(9_999)) == .inProgress)

        let taker = try await claimToken(store, key, leaseUntil: 40_000, now: 10_000)
        #expect(taker != crashed)

        let resumeKey = Fixture.resumeKey()
        let late = RunCommit(
            resume: .save(Fixture.record(resumeKey, createdAt: 11_000, expiresAt: 90_000), expectedRevision: nil),
            stateWrites: [Fixture.write(.component, "greeter", [1]), Fixture.write(.keyValue, "counter", [2])],
            dedupe: .init(key: key, token: crashed, response: StoredResponse(status: 500), retainUntil: Fixture.at(600_000)),
            outbox: [Fixture.outbox("reply-late", createdAt: 11_000)]
        )
        await expectStoreError(.claimLost, "the lease expired and another request took the claim") {
            try await store.commit(late)
        }
        #expect(try await store.resumeRecord(for: resumeKey, now: Fixture.at(12_000)) == nil, "nothing of a failed commit lands")
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot(), "nothing of a failed commit lands")
        #expect(try await leaseIDs(store, now: 12_000, leaseUntil: 20_000).isEmpty)
        #expect(try await store.claim(key, leaseUntil: Fixture.at(50_000), now: Fixture.at(12_000)) == .inProgress)

        try await store.commit(
            RunCommit(dedupe: .init(key: key, token: taker, response: Fixture.response, retainUntil: Fixture.at(600_000)))
        )
        #expect(try await store.claim(key, leaseUntil: Fixture.at(50_000), now: Fixture.at(13_000)) == .completed(Fixture.response))
    }

    func dedupeCompletedPastRetentionIsClaimable(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let token = try await claimToken(store, key, leaseUntil: 10_000, now: 0)
        try await store.commit(
            RunCommit(dedupe: .init(key: key, token: token, response: Fixture.response, retainUntil: Fixture.at(60_000)))
        )

        #expect(try await store.claim(key, leaseUntil: Fixture.at(70_000), now: Fixture.at(59_999)) == .completed(Fixture.response))
        let again = try await claimToken(store, key, leaseUntil: 90_000, now: 60_000)
        #expect(again != token)
        #expect(try await store.claim(key, leaseUntil: Fixture.at(95_000), now: Fixture.at(61_000)) == .inProgress)
    }

    func dedupeKeysAreIndependent(_ store: any RunnerStore) async throws {
        let base = Fixture.dedupeKey()
        let others = [
            Fixture.dedupeKey(namespace: "webhook:orders"),
            Fixture.dedupeKey(tenant: "tenant-b"),
            Fixture.dedupeKey(id: "update-1002"),
        ]
        let token = try await claimToken(store, base, leaseUntil: 30_000, now: 0)
        for key in others {
            let claim = try await store.claim(key, leaseUntil: Fixture.at(30_000), now: Fixture.at(0))
            guard case .claimed = claim else {
                Issue.record("\(key): expected .claimed, got \(claim)")
                continue
            }
        }
        try await store.commit(
            RunCommit(dedupe: .init(key: base, token: token, response: Fixture.response, retainUntil: Fixture.at(60_000)))
        )
        for key in others {
            #expect(try await store.claim(key, leaseUntil: Fixture.at(30_000), now: Fixture.at(1_000)) == .inProgress, "\(key)")
        }
        #expect(try await store.claim(base, leaseUntil: Fixture.at(30_000), now: Fixture.at(1_000)) == .completed(Fixture.response))
    }

    func dedupeCompletionWithoutClaimFails(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let commit = RunCommit(
            stateWrites: [Fixture.write(.keyValue, "counter", [1])],
            dedupe: .init(key: key, token: ClaimToken.random(), response: Fixture.response, retainUntil: Fixture.at(60_000))
        )
        await expectStoreError(.claimLost, "the key was never claimed") {
            try await store.commit(commit)
        }
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot())
        _ = try await claimToken(store, key, leaseUntil: 30_000, now: 0)
    }

    func dedupeUnclaimedRecordsOnceAndReadsBack(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let resumeKey = Fixture.resumeKey()
        let scope = Fixture.scope()
        let empty = try await store.loadRun(resumeKey, scope: scope, dedupe: key, now: Fixture.at(0))
        #expect(empty.dedupe == nil && empty.resume == nil && empty.state.contents == StateSnapshot())
        try await store.commit(
            RunCommit(
                stateWrites: [Fixture.write(.keyValue, "counter", [1])],
                dedupe: .init(key: key, hold: .unclaimed(now: Fixture.at(0)), response: Fixture.response, retainUntil: Fixture.at(60_000)),
                committedAt: Fixture.at(0)
            )
        )
        let load = try await store.loadRun(resumeKey, scope: scope, dedupe: key, now: Fixture.at(1_000))
        #expect(load.dedupe == .completed(Fixture.response), "the run's read sees the recorded answer")
        #expect(load.state.contents == StateSnapshot(keyValues: ["counter": [1]]))
        #expect(try await store.dedupeState(key, now: Fixture.at(59_999)) == .completed(Fixture.response))
        #expect(try await store.claim(key, leaseUntil: Fixture.at(31_000), now: Fixture.at(1_000)) == .completed(Fixture.response))
        #expect(try await store.dedupeState(key, now: Fixture.at(60_000)) == nil, "retention over")
        #expect(try await store.loadRun(resumeKey, scope: scope, dedupe: nil, now: Fixture.at(1_000)).dedupe == nil, "not asked for")

        // Past its retention the key is free again: a new answer replaces the old one.
        let later = StoredResponse(status: 201)
        try await store.commit(
            RunCommit(dedupe: .init(key: key, hold: .unclaimed(now: Fixture.at(60_000)), response: later, retainUntil: Fixture.at(90_000)))
        )
        #expect(try await store.dedupeState(key, now: Fixture.at(60_001)) == .completed(later))

        // A live claim is reported as in progress, and blocks an unclaimed answer; an expired one does not.
        let claimedKey = Fixture.dedupeKey(id: "claimed")
        _ = try await claimToken(store, claimedKey, leaseUntil: 30_000, now: 0)
        #expect(try await store.dedupeState(claimedKey, now: Fixture.at(29_999)) == .inProgress)
        await expectStoreError(.duplicate, "another holder's claim is live") {
            try await store.commit(
                RunCommit(
                    dedupe: .init(key: claimedKey, hold: .unclaimed(now: Fixture.at(1)), response: later, retainUntil: Fixture.at(90_000))
                )
            )
        }
        #expect(try await store.dedupeState(claimedKey, now: Fixture.at(30_000)) == nil)
        try await store.commit(
            RunCommit(
                dedupe: .init(key: claimedKey, hold: .unclaimed(now: Fixture.at(30_000)), response: later, retainUntil: Fixture.at(90_000))
            )
        )
        #expect(try await store.dedupeState(claimedKey, now: Fixture.at(30_001)) == .completed(later))
    }

    func dedupeUnclaimedDuplicateWritesNothing(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let record = { (now: Int64) in
            RunCommit.DedupeCompletion(
                key: key,
                hold: .unclaimed(now: Fixture.at(now)),
                response: Fixture.response,
                retainUntil: Fixture.at(60_000)
            )
        }
        try await store.commit(RunCommit(dedupe: record(0)))
        let duplicate = RunCommit(
            resume: .save(Fixture.record(Fixture.resumeKey()), expectedRevision: 7),
            stateWrites: [Fixture.write(.keyValue, "counter", [2])],
            dedupe: record(1_000),
            outbox: [Fixture.outbox("dup-reply")],
            committedAt: Fixture.at(1_000)
        )
        await expectStoreError(.duplicate, "the key is answered; the duplicate is reported before its other conflicts") {
            try await store.commit(duplicate)
        }
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot())
        #expect(try await store.resumeRecord(for: Fixture.resumeKey(), now: Fixture.at(1)) == nil)
        let batch = try await store.leaseOutbox(
            OutboxLeaseRequest(now: Fixture.at(2_000), limit: 10, leaseUntil: Fixture.at(9_000), abandoned: .resend)
        )
        #expect(batch.leases.isEmpty, "nothing of the duplicate's commit was written")
    }

    // MARK: - Purge

    func purgeRemovesOnlyExpired(_ store: any RunnerStore) async throws {
        let expiredA = Fixture.resumeKey(flow: "expired-a")
        let expiredB = Fixture.resumeKey(flow: "expired-b")
        let live = Fixture.resumeKey(flow: "live")
        try await store.commit(RunCommit(resume: .save(Fixture.record(expiredA, expiresAt: 10_000), expectedRevision: nil)))
        try await store.commit(RunCommit(resume: .save(Fixture.record(expiredB, expiresAt: 50_000), expectedRevision: nil)))
        try await store.commit(RunCommit(resume: .save(Fixture.record(live, expiresAt: 100_000), expectedRevision: nil)))

        let leaseExpired = Fixture.dedupeKey(id: "lease-expired")
        let leaseLive = Fixture.dedupeKey(id: "lease-live")
        let doneExpired = Fixture.dedupeKey(id: "done-expired")
        let doneLive = Fixture.dedupeKey(id: "done-live")
        _ = try await claimToken(store, leaseExpired, leaseUntil: 10_000, now: 0)
        _ = try await claimToken(store, leaseLive, leaseUntil: 100_000, now: 0)
        let doneExpiredToken = try await claimToken(store, doneExpired, leaseUntil: 10_000, now: 0)
        let doneLiveToken = try await claimToken(store, doneLive, leaseUntil: 10_000, now: 0)
        try await store.commit(
            RunCommit(
                stateWrites: [Fixture.write(.keyValue, "kept", [1])],
                dedupe: .init(key: doneExpired, token: doneExpiredToken, response: Fixture.response, retainUntil: Fixture.at(20_000)),
                outbox: [Fixture.outbox("kept-reply", createdAt: 0)]
            )
        )
        try await store.commit(
            RunCommit(dedupe: .init(key: doneLive, token: doneLiveToken, response: Fixture.response, retainUntil: Fixture.at(100_000)))
        )

        #expect(try await store.purgeExpired(now: Fixture.at(50_000)) == 4, "2 resume records, 1 lease and 1 done record expired")
        #expect(try await store.purgeExpired(now: Fixture.at(50_000)) == 0, "nothing left to purge")

        #expect(try await store.resumeRecord(for: live, now: Fixture.at(50_000))?.revision == 1)
        #expect(try await store.claim(leaseLive, leaseUntil: Fixture.at(60_000), now: Fixture.at(50_000)) == .inProgress)
        #expect(try await store.claim(doneLive, leaseUntil: Fixture.at(60_000), now: Fixture.at(50_000)) == .completed(Fixture.response))
        #expect(
            try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot(keyValues: ["kept": [1]]),
            "purge leaves state alone"
        )
        #expect(
            try await leaseIDs(store, now: 50_000, leaseUntil: 60_000) == ["kept-reply"],
            "purge leaves the outbox alone"
        )

        // A purged record is gone: an insert over it starts again at revision 1 (an expired,
        // unpurged one would have been continued at revision 2).
        try await store.commit(
            RunCommit(resume: .save(Fixture.record(expiredA, createdAt: 50_000, expiresAt: 90_000), expectedRevision: nil))
        )
        #expect(try await store.resumeRecord(for: expiredA, now: Fixture.at(50_001))?.revision == 1)
    }
}
