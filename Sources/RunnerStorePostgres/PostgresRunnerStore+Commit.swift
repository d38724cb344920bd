import Foundation
import Logging
import PostgresNIO
public import RunnerCore

extension PostgresRunnerStore {
    /// Applies `commit` in one transaction, in the SQLite store's order: the dedupe completion,
    /// the resume compare-and-swap, the state revisions and the inbox lease, then state and
    /// outbox writes; the first failure rolls everything back.
    ///
    /// Each compare-and-swap is a single statement that locks its row (a conditional `UPDATE`,
    /// or an upsert that increments), so two nodes committing on the same session or scope
    /// serialise on that row and the later one sees the earlier one's revision and fails.
    @discardableResult
    public func commit(_ commit: RunCommit) async throws(StoreError) -> [OutboxLease] {
        guard !commit.isEmpty else { return [] }
        return try await transaction("commit run") { connection in
            if let completion = commit.dedupe {
                try await Self.complete(completion, connection, self.logger)
            }
            try await Self.apply(commit.resume, connection, self.logger)
            try await Self.advanceStateRevisions(commit, connection, self.logger)
            if let completion = commit.inbox {
                try await Self.complete(completion, connection, self.logger)
            }
            for stateWrite in commit.stateWrites {
                try await Self.apply(stateWrite, connection, self.logger)
            }
            for message in commit.outbox {
                try await Self.enqueue(message, connection, self.logger)
            }
            guard let replyLease = commit.replyLease else { return [] }
            return try await Self.leaseReplies(commit.outbox, replyLease, connection, self.logger)
        }
    }

    // MARK: - Resume records

    private static func apply(_ change: RunCommit.ResumeChange, _ connection: PostgresConnection, _ logger: Logger) async throws {
        switch change {
        case .none:
            return
        case .save(let record, let expectedRevision?):
            let key = record.key
            let next = try StoreError.nextRevision(after: expectedRevision)
            let updated = try await connection.count(
                """
                UPDATE resume_record
                SET pack_digest = \(record.packDigest), flow_hash = \(record.flowHash), next_node = \(record.nextNode),
                    reason = \(record.reason), snapshot = \(record.snapshot.serializedString()),
                    created_at = \(record.createdAt.epochMilliseconds), expires_at = \(record.expiresAt.epochMilliseconds), revision = \(next)
                WHERE tenant = \(key.tenant) AND session_key = \(key.sessionKey) AND flow_id = \(key.flowID) AND revision = \(expectedRevision)
                RETURNING 1
                """,
                logger
            )
            guard updated == 1 else {
                throw StoreError.resumeConflict(
                    key,
                    expected: expectedRevision,
                    found: try await currentRevision(of: key, connection, logger)
                )
            }
        case .save(let record, expectedRevision: nil):
            // No `now` in a commit: the inserted record's creation time stands for it. An
            // expired record is replaced and its revision continued.
            let key = record.key
            let inserted = try await connection.count(
                """
                INSERT INTO resume_record
                    (tenant, session_key, flow_id, pack_digest, flow_hash, next_node, reason, snapshot, created_at, expires_at, revision)
                VALUES (\(key.tenant), \(key.sessionKey), \(key.flowID), \(record.packDigest), \(record.flowHash), \(record.nextNode),
                        \(record.reason), \(record.snapshot.serializedString()), \(record.createdAt.epochMilliseconds),
                        \(record.expiresAt.epochMilliseconds), 1)
                ON CONFLICT (tenant, session_key, flow_id) DO UPDATE
                SET pack_digest = excluded.pack_digest, flow_hash = excluded.flow_hash, next_node = excluded.next_node,
                    reason = excluded.reason, snapshot = excluded.snapshot, created_at = excluded.created_at,
                    expires_at = excluded.expires_at, revision = resume_record.revision + 1
                WHERE resume_record.expires_at <= excluded.created_at
                RETURNING 1
                """,
                logger
            )
            guard inserted == 1 else {
                throw StoreError.resumeConflict(key, expected: nil, found: try await currentRevision(of: key, connection, logger))
            }
        case .delete(let key, let expectedRevision):
            let deleted = try await connection.count(
                """
                DELETE FROM resume_record
                WHERE tenant = \(key.tenant) AND session_key = \(key.sessionKey) AND flow_id = \(key.flowID) AND revision = \(expectedRevision)
                RETURNING 1
                """,
                logger
            )
            guard deleted == 1 else {
                throw StoreError.resumeConflict(
                    key,
                    expected: expectedRevision,
                    found: try await currentRevision(of: key, connection, logger)
                )
            }
        }
    }

    private static func currentRevision(of key: ResumeKey, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int64? {
        let rows = try await connection.rows(
            "SELECT revision FROM resume_record WHERE tenant = \(key.tenant) AND session_key = \(key.sessionKey) AND flow_id = \(key.flowID)",
            logger
        )
        return try rows.first?.decodeStored(Int64.self, table: "resume_record")
    }

    // MARK: - State

    /// Increments the revision of every scope the run read or wrote (in a fixed order, so two
    /// commits never wait on each other in a cycle), and checks that each scope the run read
    /// was at the revision it read.
    private static func advanceStateRevisions(_ commit: RunCommit, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let touchedAt = commit.committedAt?.epochMilliseconds
        let scopes = commit.touchedScopes.sorted { ($0.tenant, $0.pack, $0.session) < ($1.tenant, $1.pack, $1.session) }
        for scope in scopes {
            let rows = try await connection.rows(
                """
                INSERT INTO state_scope (tenant, pack, scope, revision, touched_at)
                VALUES (\(scope.tenant), \(scope.pack), \(scope.session), 1, \(touchedAt))
                ON CONFLICT (tenant, pack, scope) DO UPDATE
                SET revision = state_scope.revision + 1, touched_at = COALESCE(excluded.touched_at, state_scope.touched_at)
                RETURNING revision
                """,
                logger
            )
            guard let row = rows.first else { throw StoreError(.backend, "state_scope upsert returned no revision") }
            let revision = try row.decodeStored(Int64.self, table: "state_scope")
            if let expected = commit.stateRevisions[scope], revision != expected + 1 {
                throw StoreError.stateConflict(scope, expected: expected, found: revision - 1)
            }
        }
    }

    private static func apply(_ stateWrite: StateWrite, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let key = stateWrite.key
        if let value = stateWrite.value {
            try await connection.execute(
                """
                INSERT INTO component_state (tenant, pack, scope, kind, name, value)
                VALUES (\(key.scope.tenant), \(key.scope.pack), \(key.scope.session), \(key.kind.rawValue), \(key.name), \(Data(value)))
                ON CONFLICT (tenant, pack, scope, kind, name) DO UPDATE SET value = excluded.value
                """,
                logger
            )
        } else {
            try await connection.execute(
                """
                DELETE FROM component_state
                WHERE tenant = \(key.scope.tenant) AND pack = \(key.scope.pack) AND scope = \(key.scope.session)
                  AND kind = \(key.kind.rawValue) AND name = \(key.name)
                """,
                logger
            )
        }
    }
}
