import Foundation
import GRDB
import RunnerCore
import RunnerTestSupport
import Testing

@testable import RunnerStoreSQLite

@Suite("SQLiteRunnerStore")
struct SQLiteRunnerStoreTests {
    @Test("conformance", arguments: RunnerStoreConformance.Check.allCases)
    func conformance(_ check: RunnerStoreConformance.Check) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        try await RunnerStoreConformance { try await SQLiteRunnerStore(path: path) }.run(check)
    }

    @Test func dataSurvivesReopening() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let record = Self.record(nextNode: "ask")
        let write = StateWrite(key: StateKey(scope: Self.scope, kind: .component, name: "greeter"), value: [0, 1, 0xFF])
        let response = StoredResponse(status: 200, headers: ["x": "y"], body: [1, 2])

        let first = try await SQLiteRunnerStore(path: path)
        let token = try await Self.claimedToken(first.claim(Self.dedupeKey, leaseUntil: Self.at(30_000), now: Self.at(0)))
        try await first.commit(
            RunCommit(
                resume: .save(record, expectedRevision: nil),
                stateWrites: [write],
                dedupe: .init(key: Self.dedupeKey, token: token, response: response, retainUntil: Self.at(600_000))
            )
        )
        try await first.close()
        await Self.expectStoreError(.backend) { _ = try await first.resumeRecord(for: record.key, now: Self.at(1)) }

        let second = try await SQLiteRunnerStore(path: path)
        var expected = record
        expected.revision = 1
        #expect(try await second.resumeRecord(for: record.key, now: Self.at(1)) == expected)
        #expect(try await second.stateSnapshot(for: Self.scope) == StateSnapshot(components: ["greeter": [0, 1, 0xFF]], revision: 1))
        #expect(try await second.claim(Self.dedupeKey, leaseUntil: Self.at(30_000), now: Self.at(1)) == .completed(response))
        try await second.commit(RunCommit(resume: .save(Self.record(nextNode: "next"), expectedRevision: 1)))
        #expect(try await second.resumeRecord(for: record.key, now: Self.at(1))?.revision == 2)
    }

    @Test func aCheckpointCopiesTheLogIntoTheDatabaseWithoutTheWriter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        // No automatic checkpoint: only `checkpoint()` moves the log into the database.
        let store = try await SQLiteRunnerStore(path: path, configuration: .init(autoCheckpointPages: 0))
        for index in 0..<50 {
            let scope = StateScope(tenant: "t", pack: "p", session: "s\(index)")
            try await store.commit(
                RunCommit(stateWrites: [
                    StateWrite(key: StateKey(scope: scope, kind: .keyValue, name: "n"), value: Array(repeating: 7, count: 2000))
                ])
            )
        }
        let before = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let result = try await store.checkpoint()
        #expect(result.walFrames > 0)
        #expect(result.checkpointedFrames == result.walFrames, "nothing held the log back")
        let after = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(after > before + 50 * 2000, "the rows are in the database file now")
        #expect(try await store.stateSnapshot(for: StateScope(tenant: "t", pack: "p", session: "s49")).keyValues["n"]?.count == 2000)
        try await store.close()
    }

    @Test func withStoreClosesTheStoreWhenItsBodyEnds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let store = try await SQLiteRunnerStore.withStore(path: path, checkpointEvery: .milliseconds(5)) { store in
            try await store.commit(RunCommit(resume: .save(Self.record(), expectedRevision: nil)))
            return store
        }
        await Self.expectStoreError(.backend) { _ = try await store.resumeRecord(for: Self.record().key, now: Self.at(1)) }
        let reopened = try await SQLiteRunnerStore(path: path)
        #expect(try await reopened.resumeRecord(for: Self.record().key, now: Self.at(1))?.revision == 1)
    }

    @Test func journalModeIsWAL() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let store = try await SQLiteRunnerStore(path: path)
        try await store.commit(RunCommit(resume: .save(Self.record(), expectedRevision: nil)))

        let observer = try DatabaseQueue(path: path)
        let journalMode = try await observer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(journalMode == "wal")
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func schemaVersionIsRecorded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        _ = try await SQLiteRunnerStore(path: path)

        let observer = try DatabaseQueue(path: path)
        let applied = try await observer.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(applied == ["v1", "v2", "v3", "v4", "v5", "v6", "v7"])
        let tables = try await observer.read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb_%' ORDER BY name")
        }
        #expect(tables == ["component_state", "dedupe", "inbox", "outbox", "resume_record", "state_scope", "timer_schedule"])
    }

    /// A reply queued by a v2 runner (before fenced leases) is still delivered after the upgrade,
    /// and a v2 dead letter is still listed.
    @Test func v3KeepsTheRepliesOfAV2Outbox() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let old = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator(through: "v2").migrate(old)
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox (id, tenant, provider, address, message, created_at, sequence, attempts, next_attempt_at, state, last_error)
                    VALUES ('queued', 't', 'telegram', '{"chat_id":42}', '{"text":"hi"}', 1000, 0, 2, 1000, 'pending', 'HTTP 502'),
                           ('dead', 't', 'telegram', '{"chat_id":42}', '{"text":"x"}', 900, 0, 8, 900, 'dead', 'HTTP 403')
                    """
            )
        }
        try old.close()

        let store = try await SQLiteRunnerStore(path: path)
        let batch = try await store.leaseOutbox(
            OutboxLeaseRequest(now: Self.at(5_000), limit: 10, leaseUntil: Self.at(9_000), abandoned: .resend)
        )
        #expect(
            batch.leases.map(\.message) == [
                OutboxMessage(
                    id: "queued",
                    tenant: "t",
                    target: ReplyTarget(provider: "telegram", conversation: #"{"chat_id":42}"#, address: ["chat_id": 42]),
                    message: ["text": "hi"],
                    createdAt: Date(epochMilliseconds: 1000),
                    sequence: 0,
                    attempts: 2,
                    nextAttemptAt: Date(epochMilliseconds: 1000)
                )
            ]
        )
        #expect(try await store.deadLetters(tenant: "t", after: nil, limit: 10).letters.map(\.error) == ["HTTP 403"])
        // The old dead letter got the default retention at the upgrade, so it does not stay forever.
        #expect(try await store.purgeExpired(now: Date().addingTimeInterval(6 * 86_400)) == 0)
        #expect(try await store.purgeExpired(now: Date().addingTimeInterval(8 * 86_400)) >= 1)
        #expect(try await store.deadLetters(tenant: "t", after: nil, limit: 10).letters.isEmpty)
        try await store.close()
    }

    /// Session state written before v6 (with or without a revision row) is stamped at the
    /// upgrade, so it is purged once idle for the session TTL after it, not kept forever.
    @Test func v6StampsExistingStateSoItCanBePurged() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let old = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator(through: "v5").migrate(old)
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO component_state (tenant, pack, scope, kind, name, value)
                    VALUES ('t', 'p', 'telegram:1', 'component', 'c', X'01'), ('t', 'p', 'telegram:2', 'component', 'c', X'02'),
                           ('t', 'p', '', 'kv', 'n', X'03');
                    INSERT INTO state_scope (tenant, pack, scope, revision) VALUES ('t', 'p', 'telegram:2', 4);
                    """
            )
        }
        try old.close()

        let store = try await SQLiteRunnerStore(path: path)
        let upgraded = Date()
        #expect(try await store.purgeExpired(now: upgraded, idleStateBefore: upgraded.addingTimeInterval(-60)) == 0)
        #expect(try await store.stateSnapshot(for: StateScope(tenant: "t", pack: "p", session: "telegram:2")).revision == 4)
        let later = upgraded.addingTimeInterval(86_400)
        #expect(try await store.purgeExpired(now: later, idleStateBefore: later.addingTimeInterval(-3600)) == 2, "both sessions")
        #expect(try await store.stateSnapshot(for: StateScope(tenant: "t", pack: "p", session: "telegram:1")) == StateSnapshot())
        #expect(try await store.stateSnapshot(for: StateScope(tenant: "t", pack: "p", session: "")).keyValues == ["n": [3]])
        try await store.close()
    }

    /// Runners before the session-order fix could lease several events of one session at once
    /// (a WhatsApp batch). Left behind by a crash, the earliest runs first and the other after it.
    @Test func aSessionLeftWithTwoLeasedEventsRunsThemInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        try await SQLiteRunnerStore(path: path).close()
        let old = try DatabaseQueue(path: path)
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO inbox (id, tenant, provider, session_key, flow_id, input, received_at, attempts, next_attempt_at,
                                       state, lease_token, lease_until)
                    VALUES ('b-2', 't', 'whatsapp', 's', 'chat', '{}', 1700000000100, 1, 1700000000100, 'leased', 'old-2', 1700000000900),
                           ('b-1', 't', 'whatsapp', 's', 'chat', '{}', 1700000000100, 1, 1700000000100, 'leased', 'old-1', 1700000000900),
                           ('c', 't', 'whatsapp', 's', 'chat', '{}', 1700000000200, 0, 1700000000200, 'pending', NULL, NULL)
                    """
            )
        }
        try old.close()

        let store = try await SQLiteRunnerStore(path: path)
        #expect(try await store.leaseInbox(now: Self.at(800), limit: 10, leaseUntil: Self.at(5_000)).isEmpty, "both still held")
        let first = try await store.leaseInbox(now: Self.at(1_000), limit: 10, leaseUntil: Self.at(5_000))
        #expect(first.map(\.event.id) == ["b-1"], "the earliest of the expired leases, alone")
        #expect(try await store.leaseInbox(now: Self.at(1_000), limit: 10, leaseUntil: Self.at(5_000)).isEmpty)
        try await store.commit(RunCommit(inbox: .init(id: "b-1", token: try #require(first.first).token, outcome: .done)))
        #expect(try await store.leaseInbox(now: Self.at(1_001), limit: 10, leaseUntil: Self.at(5_000)).map(\.event.id) == ["b-2"])
        try await store.close()
    }

    @Test func unknownFutureMigrationIsRejected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        try await SQLiteRunnerStore(path: path).close()

        let newer = try DatabaseQueue(path: path)
        try await newer.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v2-from-the-future')") }
        try newer.close()

        await Self.expectStoreError(.schemaTooNew) { _ = try await SQLiteRunnerStore(path: path) }
    }

    @Test func secondInstanceSeesCommits() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let nodeA = try await SQLiteRunnerStore(path: path)
        let nodeB = try await SQLiteRunnerStore(path: path)

        let record = Self.record()
        try await nodeA.commit(RunCommit(resume: .save(record, expectedRevision: nil)))
        #expect(try await nodeB.resumeRecord(for: record.key, now: Self.at(1))?.nextNode == record.nextNode)
        await Self.expectStoreError(.revisionConflict) {
            try await nodeB.commit(RunCommit(resume: .save(Self.record(nextNode: "b"), expectedRevision: nil)))
        }
        try await nodeB.commit(RunCommit(resume: .save(Self.record(nextNode: "b"), expectedRevision: 1)))
        #expect(try await nodeA.resumeRecord(for: record.key, now: Self.at(1))?.nextNode == "b")

        // Both nodes race for one event: exactly one claim wins across the two connections.
        let nodes = [nodeA, nodeB]
        let claims = try await withThrowingTaskGroup(of: DedupeClaim.self) { group in
            for index in 0..<20 {
                let node = nodes[index % 2]
                group.addTask { try await node.claim(Self.dedupeKey, leaseUntil: Self.at(30_000), now: Self.at(0)) }
            }
            return try await group.reduce(into: [DedupeClaim]()) { $0.append($1) }
        }
        #expect(claims.filter { $0 != .inProgress }.count == 1, "\(claims)")
    }

    @Test func commitWaitsForAnotherWriterWithinBusyTimeout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let store = try await SQLiteRunnerStore(path: path, configuration: .init(busyTimeout: .seconds(10)))

        let holder = try await Self.holdWriteLock(path: path, for: 0.3)
        try await store.commit(RunCommit(resume: .save(Self.record(), expectedRevision: nil)))
        let committed = ContinuousClock.now
        // Ordering, not timing: the commit cannot return before the other writer let go.
        #expect(committed >= (try await holder.value), "the commit waited for the other writer")
        #expect(try await store.resumeRecord(for: Self.record().key, now: Self.at(1))?.revision == 1)
    }

    @Test func commitFailsPastBusyTimeout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let store = try await SQLiteRunnerStore(path: path, configuration: .init(busyTimeout: .milliseconds(50)))

        let (holder, release) = try await Self.holdWriteLockUntilReleased(path: path)
        await Self.expectStoreError(.backend) {
            try await store.commit(RunCommit(resume: .save(Self.record(), expectedRevision: nil)))
        }
        release()
        try await holder.value
        #expect(try await store.resumeRecord(for: Self.record().key, now: Self.at(1)) == nil)
    }

    @Test func readsAnswerFromTheLastCommitWhileAnotherWriterHoldsTheLock() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        // Two readers for twenty concurrent reads; a read that waited for the lock would fail.
        let store = try await SQLiteRunnerStore(path: path, configuration: .init(busyTimeout: .milliseconds(50), maximumReaderCount: 2))
        try await store.commit(RunCommit(resume: .save(Self.record(), expectedRevision: nil)))
        let (holder, release) = try await Self.holdWriteLockUntilReleased(path: path)
        let revisions = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for _ in 0..<20 { group.addTask { try await store.resumeRecord(for: Self.record().key, now: Self.at(1))?.revision } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        release()
        try await holder.value
        #expect(revisions == Array(repeating: 1, count: 20))
        try await store.close()
    }

    @Test func corruptRecordsAreReportedOrReplaceable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        let store = try await SQLiteRunnerStore(path: path)
        let record = Self.record()
        try await store.commit(RunCommit(resume: .save(record, expectedRevision: nil)))

        let vandal = try DatabaseQueue(path: path)
        try await vandal.write { try $0.execute(sql: "UPDATE resume_record SET snapshot = '{not json'") }
        // An unreadable snapshot comes back as null with its revision, so it can be replaced.
        let unreadable = try #require(try await store.resumeRecord(for: record.key, now: Self.at(1)))
        #expect(unreadable.snapshot == .null)
        #expect(unreadable.revision == 1)
        try await store.commit(RunCommit(resume: .save(Self.record(nextNode: "fresh"), expectedRevision: unreadable.revision)))
        #expect(try await store.resumeRecord(for: record.key, now: Self.at(1))?.nextNode == "fresh")

        try await vandal.write { try $0.execute(sql: "UPDATE resume_record SET snapshot = '{}', revision = 'not a number'") }
        await Self.expectStoreError(.corrupt) { _ = try await store.resumeRecord(for: record.key, now: Self.at(1)) }
    }

    @Test func fileThatIsNotADatabaseFails() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("store.sqlite")
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
        await Self.expectStoreError(.backend) { _ = try await SQLiteRunnerStore(path: path) }
    }

    // MARK: - Helpers

    static let scope = StateScope(tenant: "tenant-a", pack: "pack-a", session: "s1")
    static let dedupeKey = DedupeKey(tenant: "tenant-a", namespace: "telegram", id: "update-1")

    static func at(_ offsetMS: Int64) -> Date {
        Date(timeIntervalSince1970: Double(1_700_000_000_000 + offsetMS) / 1000)
    }

    static func record(nextNode: String = "ask") -> ResumeRecord {
        ResumeRecord(
            key: ResumeKey(tenant: "tenant-a", sessionKey: "s1", flowID: "flow"),
            packDigest: "sha256:00",
            flowHash: "h",
            nextNode: nextNode,
            reason: nil,
            snapshot: ["n": 1],
            createdAt: at(0),
            expiresAt: at(60_000)
        )
    }

    /// Holds SQLite's write lock from a second connection for `seconds`; the task's value is
    /// the instant just before it let go.
    static func holdWriteLock(path: String, for seconds: TimeInterval) async throws -> Task<ContinuousClock.Instant, any Error> {
        let other = try DatabaseQueue(path: path)
        let (locked, signal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await other.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                signal.finish()
                Thread.sleep(forTimeInterval: seconds)
                let releasing = ContinuousClock.now
                try db.execute(sql: "COMMIT")
                return releasing
            }
        }
        for await _ in locked {}
        return holder
    }

    /// Holds the write lock of the database at `path` from another connection until `release`
    /// is called (not for a time, so a loaded machine cannot let the lock go early).
    static func holdWriteLockUntilReleased(path: String) async throws -> (holder: Task<Void, any Error>, release: @Sendable () -> Void) {
        let other = try DatabaseQueue(path: path)
        let (locked, signal) = AsyncStream<Void>.makeStream()
        let released = DispatchSemaphore(value: 0)
        let holder = Task {
            try await other.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                signal.finish()
                released.wait()
                try db.execute(sql: "COMMIT")
            }
        }
        for await _ in locked {}
        return (holder, { released.signal() })
    }

    static func claimedToken(_ claim: DedupeClaim, sourceLocation: SourceLocation = #_sourceLocation) throws -> ClaimToken {
        guard case .claimed(let token) = claim else {
            Issue.record("expected .claimed, got \(claim)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return token
    }

    static func expectStoreError(
        _ code: StoreError.Code,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected StoreError \(code), but the call succeeded", sourceLocation: sourceLocation)
        } catch let error as StoreError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
        }
    }
}
