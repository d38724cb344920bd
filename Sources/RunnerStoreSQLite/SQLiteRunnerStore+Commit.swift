import Foundation
import GRDB
public import RunnerCore

extension SQLiteRunnerStore {
    /// Applies `commit` in one write transaction. The dedupe completion is checked first, then
    /// the resume compare-and-swap, the state revisions and the inbox lease, then state and
    /// outbox messages are written; the first failure throws and rolls the whole transaction
    /// back.
    @discardableResult
    public func commit(_ commit: RunCommit) async throws(StoreError) -> [OutboxLease] {
        guard !commit.isEmpty else { return [] }
        return try await write("commit run") { db in
            if let completion = commit.dedupe {
                try Self.complete(completion, db)
            }
            try Self.apply(commit.resume, db)
            try Self.advanceStateRevisions(commit, db)
            if let completion = commit.inbox {
                try Self.complete(completion, db)
            }
            for stateWrite in commit.stateWrites {
                try Self.apply(stateWrite, db)
            }
            for message in commit.outbox {
                try Self.enqueue(message, db)
            }
            guard let replyLease = commit.replyLease else { return [] }
            return try Self.leaseReplies(commit.outbox, replyLease, db)
        }
    }

    // MARK: - Resume records

    private static func apply(_ change: RunCommit.ResumeChange, _ db: Database) throws {
        switch change {
        case .none:
            return
        case .save(let record, let expectedRevision):
            let current = try currentRevision(of: record.key, db)
            let revision: Int64
            if let expectedRevision {
                guard let current, current.revision == expectedRevision else {
                    throw StoreError.resumeConflict(record.key, expected: expectedRevision, found: current?.revision)
                }
                revision = try StoreError.nextRevision(after: expectedRevision)
            } else if let current {
                // No `now` in a commit: the inserted record's creation time stands for it.
                guard current.expiresAt <= record.createdAt.epochMilliseconds else {
                    throw StoreError.resumeConflict(record.key, expected: nil, found: current.revision)
                }
                revision = try StoreError.nextRevision(after: current.revision)
            } else {
                revision = 1
            }
            try db.execute(
                cached: """
                    INSERT OR REPLACE INTO resume_record
                        (tenant, session_key, flow_id, pack_digest, flow_hash, next_node, reason, snapshot,
                         created_at, expires_at, revision)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.key.tenant, record.key.sessionKey, record.key.flowID,
                    record.packDigest, record.flowHash, record.nextNode, record.reason,
                    record.snapshot.serializedString(),
                    record.createdAt.epochMilliseconds, record.expiresAt.epochMilliseconds, revision,
                ]
            )
        case .delete(let key, let expectedRevision):
            try db.execute(
                cached: "DELETE FROM resume_record WHERE tenant = ? AND session_key = ? AND flow_id = ? AND revision = ?",
                arguments: [key.tenant, key.sessionKey, key.flowID, expectedRevision]
            )
            if db.changesCount == 0 {
                let current = try currentRevision(of: key, db)
                throw StoreError.resumeConflict(key, expected: expectedRevision, found: current?.revision)
            }
        }
    }

    private static func currentRevision(of key: ResumeKey, _ db: Database) throws -> (revision: Int64, expiresAt: Int64)? {
        let row = try Row.fetchOne(
            db,
            cached: "SELECT revision, expires_at FROM resume_record WHERE tenant = ? AND session_key = ? AND flow_id = ?",
            arguments: [key.tenant, key.sessionKey, key.flowID]
        )
        guard let row else { return nil }
        return (try row.column("revision", of: "resume_record"), try row.column("expires_at", of: "resume_record"))
    }

    // MARK: - State

    /// Checks the expected revision of every scope the run read, then increments the revision
    /// of every scope it read or wrote.
    private static func advanceStateRevisions(_ commit: RunCommit, _ db: Database) throws {
        for (scope, expected) in commit.stateRevisions {
            let found = try stateRevision(of: scope, db)
            guard found == expected else { throw StoreError.stateConflict(scope, expected: expected, found: found) }
        }
        for scope in commit.touchedScopes {
            let next = try StoreError.nextRevision(after: try stateRevision(of: scope, db))
            try db.execute(
                cached: """
                    INSERT INTO state_scope (tenant, pack, scope, revision, touched_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (tenant, pack, scope) DO UPDATE
                    SET revision = excluded.revision, touched_at = COALESCE(excluded.touched_at, state_scope.touched_at)
                    """,
                arguments: [scope.tenant, scope.pack, scope.session, next, commit.committedAt?.epochMilliseconds]
            )
        }
    }

    static func stateRevision(of scope: StateScope, _ db: Database) throws -> Int64 {
        try Int64.fetchOne(
            try db.cachedStatement(sql: "SELECT revision FROM state_scope WHERE tenant = ? AND pack = ? AND scope = ?"),
            arguments: [scope.tenant, scope.pack, scope.session]
        ) ?? 0
    }

    private static func apply(_ stateWrite: StateWrite, _ db: Database) throws {
        let key = stateWrite.key
        if let value = stateWrite.value {
            try db.execute(
                cached: """
                    INSERT OR REPLACE INTO component_state (tenant, pack, scope, kind, name, value)
                    VALUES (?, ?, ?, ?, ?, COALESCE(?, X''))
                    """,
                arguments: [key.scope.tenant, key.scope.pack, key.scope.session, key.kind.rawValue, key.name, Data(value)]
            )
        } else {
            try db.execute(
                cached: "DELETE FROM component_state WHERE tenant = ? AND pack = ? AND scope = ? AND kind = ? AND name = ?",
                arguments: [key.scope.tenant, key.scope.pack, key.scope.session, key.kind.rawValue, key.name]
            )
        }
    }
}
