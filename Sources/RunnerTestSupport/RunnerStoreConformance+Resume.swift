import Foundation
import RunnerCore
import Testing

extension RunnerStoreConformance {
    func resumeMissingIsNil(_ store: any RunnerStore) async throws {
        #expect(try await store.resumeRecord(for: Fixture.resumeKey(), now: Fixture.at(0)) == nil)
    }

    func resumeInsertThenLoad(_ store: any RunnerStore) async throws {
        var record = Fixture.record()
        record.revision = 42  // ignored: the store assigns revisions
        try await store.commit(RunCommit(resume: .save(record, expectedRevision: nil)))

        let loaded = try #require(try await store.resumeRecord(for: record.key, now: Fixture.at(1)))
        var expected = record
        expected.revision = 1
        #expect(loaded == expected)
    }

    func resumeSecondInsertConflicts(_ store: any RunnerStore) async throws {
        let first = Fixture.record()
        try await store.commit(RunCommit(resume: .save(first, expectedRevision: nil)))

        let second = Fixture.record(nextNode: "other-node", reason: nil, snapshot: ["other": true], createdAt: 1_000, expiresAt: 90_000)
        let sideEffect = Fixture.write(.component, "greeter", [1, 2, 3])
        await expectStoreError(.revisionConflict, "a live record exists") {
            try await store.commit(RunCommit(resume: .save(second, expectedRevision: nil), stateWrites: [sideEffect]))
        }

        var expected = first
        expected.revision = 1
        #expect(try await store.resumeRecord(for: first.key, now: Fixture.at(2_000)) == expected)
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot())
    }

    func resumeUpdateWithRightRevision(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        try await store.commit(RunCommit(resume: .save(Fixture.record(key), expectedRevision: nil)))

        let update = Fixture.record(key, nextNode: "confirm", reason: nil, snapshot: ["step": 2], createdAt: 5_000, expiresAt: 120_000)
        try await store.commit(RunCommit(resume: .save(update, expectedRevision: 1)))
        var expected = update
        expected.revision = 2
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(6_000)) == expected)

        let again = Fixture.record(key, nextNode: "done", createdAt: 7_000, expiresAt: 130_000)
        try await store.commit(RunCommit(resume: .save(again, expectedRevision: 2)))
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(8_000))?.revision == 3)
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(8_000))?.nextNode == "done")
    }

    func resumeStaleUpdateWritesNothing(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        try await store.commit(RunCommit(resume: .save(Fixture.record(key), expectedRevision: nil)))
        let current = Fixture.record(key, nextNode: "second", createdAt: 1_000, expiresAt: 70_000)
        try await store.commit(RunCommit(resume: .save(current, expectedRevision: 1)))

        let dedupeKey = Fixture.dedupeKey()
        let token = try await claimToken(store, dedupeKey, leaseUntil: 30_000, now: 1_000)
        let stale = RunCommit(
            resume: .save(Fixture.record(key, nextNode: "stale", createdAt: 2_000), expectedRevision: 1),
            stateWrites: [Fixture.write(.component, "greeter", [9]), Fixture.write(.keyValue, "counter", [1])],
            dedupe: .init(key: dedupeKey, token: token, response: Fixture.response, retainUntil: Fixture.at(600_000)),
            outbox: [Fixture.outbox("reply-stale")]
        )
        await expectStoreError(.revisionConflict, "revision 1 is stale") {
            try await store.commit(stale)
        }

        var expected = current
        expected.revision = 2
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(3_000)) == expected)
        #expect(
            try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot(),
            "state writes of a failed commit must not land"
        )
        #expect(
            try await leaseIDs(store, now: 3_000, leaseUntil: 9_000).isEmpty,
            "outbox messages of a failed commit must not land"
        )
        #expect(
            try await store.claim(dedupeKey, leaseUntil: Fixture.at(40_000), now: Fixture.at(3_000)) == .inProgress,
            "the dedupe completion of a failed commit must not land"
        )
        // The claim is still held, so the run can retry with the right revision.
        try await store.commit(
            RunCommit(
                resume: .save(Fixture.record(key, nextNode: "third", createdAt: 4_000), expectedRevision: 2),
                dedupe: .init(key: dedupeKey, token: token, response: Fixture.response, retainUntil: Fixture.at(600_000))
            )
        )
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(5_000))?.revision == 3)
    }

    func resumeUpdateOfMissingRecordConflicts(_ store: any RunnerStore) async throws {
        let record = Fixture.record()
        await expectStoreError(.revisionConflict, "there is no record to update") {
            try await store.commit(RunCommit(resume: .save(record, expectedRevision: 1)))
        }
        #expect(try await store.resumeRecord(for: record.key, now: Fixture.at(1)) == nil)
    }

    func resumeDeleteWithRightRevision(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        try await store.commit(RunCommit(resume: .save(Fixture.record(key), expectedRevision: nil)))
        try await store.commit(RunCommit(resume: .save(Fixture.record(key, nextNode: "b", createdAt: 1), expectedRevision: 1)))

        try await store.commit(RunCommit(resume: .delete(key, expectedRevision: 2)))
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(2)) == nil)

        // A deleted record is gone for good: an insert starts a new history at revision 1.
        try await store.commit(RunCommit(resume: .save(Fixture.record(key, nextNode: "c", createdAt: 3), expectedRevision: nil)))
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(4))?.revision == 1)
    }

    func resumeDeleteWithWrongRevisionConflicts(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        try await store.commit(RunCommit(resume: .save(Fixture.record(key), expectedRevision: nil)))

        await expectStoreError(.revisionConflict, "revision 2 does not exist") {
            try await store.commit(RunCommit(resume: .delete(key, expectedRevision: 2), stateWrites: [Fixture.write(.keyValue, "k", [1])]))
        }
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(1))?.revision == 1)
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot())

        let missing = Fixture.resumeKey(flow: "no-such-flow")
        await expectStoreError(.revisionConflict, "there is no record to delete") {
            try await store.commit(RunCommit(resume: .delete(missing, expectedRevision: 1)))
        }
    }

    func resumeExpiredIsNotLoaded(_ store: any RunnerStore) async throws {
        let record = Fixture.record(createdAt: 0, expiresAt: 60_000)
        try await store.commit(RunCommit(resume: .save(record, expectedRevision: nil)))

        #expect(try await store.resumeRecord(for: record.key, now: Fixture.at(59_999)) != nil, "live until expiresAt")
        #expect(try await store.resumeRecord(for: record.key, now: Fixture.at(60_000)) == nil, "expired at expiresAt")
        #expect(try await store.resumeRecord(for: record.key, now: Fixture.at(3_600_000)) == nil)
    }

    func resumeInsertOverExpiredRecord(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        try await store.commit(RunCommit(resume: .save(Fixture.record(key, expiresAt: 60_000), expectedRevision: nil)))

        let replacement = Fixture.record(key, nextNode: "fresh", snapshot: ["fresh": true], createdAt: 60_000, expiresAt: 120_000)
        try await store.commit(RunCommit(resume: .save(replacement, expectedRevision: nil)))

        let loaded = try #require(try await store.resumeRecord(for: key, now: Fixture.at(60_001)))
        var expected = replacement
        expected.revision = 2  // continues the expired record's revision
        #expect(loaded == expected)

        await expectStoreError(.revisionConflict, "a run holding the expired record's revision must not overwrite its replacement") {
            try await store.commit(RunCommit(resume: .save(Fixture.record(key, nextNode: "late", createdAt: 61_000), expectedRevision: 1)))
        }
        await expectStoreError(.revisionConflict, "the replacement is live") {
            try await store.commit(
                RunCommit(resume: .save(Fixture.record(key, createdAt: 61_000, expiresAt: 200_000), expectedRevision: nil))
            )
        }
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(62_000)) == expected)
    }

    func resumeUpdateOfExpiredRecordByRevision(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        try await store.commit(RunCommit(resume: .save(Fixture.record(key, expiresAt: 60_000), expectedRevision: nil)))

        // The run that loaded revision 1 finishes after the record expired: the compare-and-swap
        // is on the revision only, so its update lands.
        let update = Fixture.record(key, nextNode: "late", createdAt: 0, expiresAt: 200_000)
        try await store.commit(RunCommit(resume: .save(update, expectedRevision: 1)))
        var expected = update
        expected.revision = 2
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(100_000)) == expected)

        try await store.commit(RunCommit(resume: .save(Fixture.record(key, expiresAt: 150_000), expectedRevision: 2)))
        try await store.commit(RunCommit(resume: .delete(key, expectedRevision: 3)))
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(100_000)) == nil)
    }

    func resumeKeysAreIndependent(_ store: any RunnerStore) async throws {
        let base = Fixture.resumeKey()
        let others = [
            Fixture.resumeKey(tenant: "tenant-b"),
            Fixture.resumeKey(session: "telegram:chat:43"),
            Fixture.resumeKey(flow: "billing"),
        ]
        for (index, key) in ([base] + others).enumerated() {
            try await store.commit(RunCommit(resume: .save(Fixture.record(key, nextNode: "node-\(index)"), expectedRevision: nil)))
        }
        try await store.commit(RunCommit(resume: .save(Fixture.record(base, nextNode: "updated"), expectedRevision: 1)))

        for (index, key) in others.enumerated() {
            let loaded = try await store.resumeRecord(for: key, now: Fixture.at(1))
            #expect(loaded?.revision == 1, "\(key)")
            #expect(loaded?.nextNode == "node-\(index + 1)", "\(key)")
        }
        try await store.commit(RunCommit(resume: .delete(base, expectedRevision: 2)))
        for key in others {
            #expect(try await store.resumeRecord(for: key, now: Fixture.at(1)) != nil, "\(key)")
        }
    }

    func resumeSnapshotRoundTrips(_ store: any RunnerStore) async throws {
        var deep: JSONValue = ["bottom": 1.5]
        for level in 0..<100 {
            deep = level.isMultiple(of: 2) ? .array([deep, .int(Int64(level))]) : .object(["level-\(level)": deep])
        }
        let snapshot: JSONValue = [
            "flow_id": "support",
            "next_node": "ask-name",
            "state": [
                "input": ["text": "Grüße 👋🏽 — 日本語 — עברית — e\u{301}", "chat_id": .int(-1_002_003_004_005)],
                "nodes": ["ask": ["out": ["items": [1, 2.5, "three", nil, true, false, [], [:]]]]],
                "egress": [],
            ],
            "escapes": "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7}",
            "": "empty key",
            "ключ": "unicode key",
            "int_max": .int(Int64.max),
            "int_min": .int(Int64.min),
            "int_zero": 0,
            "double_integral": .double(1.0),
            "double_tenth": .double(0.1),
            "double_small": .double(-2.5e-8),
            "double_large": .double(1e300),
            "double_precise": .double(123_456_789.123_456_78),
            "double_tiny": .double(Double.leastNonzeroMagnitude),
            "double_max": .double(Double.greatestFiniteMagnitude),
            "deep": deep,
        ]
        let record = Fixture.record(nextNode: "ask-name 👋", reason: "räson ✓", snapshot: snapshot)
        try await store.commit(RunCommit(resume: .save(record, expectedRevision: nil)))
        let loaded = try #require(try await store.resumeRecord(for: record.key, now: Fixture.at(1)))
        #expect(loaded.snapshot == snapshot)
        #expect(loaded.nextNode == record.nextNode)
        #expect(loaded.reason == record.reason)
        #expect(loaded.snapshot["double_integral"] == .double(1.0), "a double stays a double")
        #expect(loaded.snapshot["int_max"] == .int(Int64.max), "a large integer stays an exact integer")

        let bare = Fixture.record(Fixture.resumeKey(flow: "bare"), reason: nil, snapshot: nil)
        try await store.commit(RunCommit(resume: .save(bare, expectedRevision: nil)))
        let loadedBare = try #require(try await store.resumeRecord(for: bare.key, now: Fixture.at(1)))
        #expect(loadedBare.reason == nil)
        #expect(loadedBare.snapshot == .null)
    }
}
