public import Foundation
import GRDB
public import RunnerCore

extension SQLiteRunnerStore {
    /// Leases due `pending` messages in one write transaction, oldest first
    /// (`created_at`, `sequence`, then `id`).
    public func leaseOutbox(now: Date, limit: Int, leaseUntil: Date) async throws(StoreError) -> [OutboxMessage] {
        guard limit > 0 else { return [] }
        let nowMS = now.epochMilliseconds
        let leaseMS = leaseUntil.epochMilliseconds
        return try await write("lease outbox messages") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, tenant, provider, address, message, created_at, sequence, attempts
                    FROM outbox
                    WHERE state = 'pending' AND next_attempt_at <= ?
                    ORDER BY created_at, sequence, id
                    LIMIT ?
                    """,
                arguments: [nowMS, limit]
            )
            var leased: [OutboxMessage] = []
            for row in rows {
                var message = try Self.outboxMessage(row)
                message.attempts = message.attempts == .max ? .max : message.attempts + 1
                message.nextAttemptAt = Date(epochMilliseconds: leaseMS)
                try db.execute(
                    sql: "UPDATE outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?",
                    arguments: [message.attempts, leaseMS, message.id]
                )
                leased.append(message)
            }
            return leased
        }
    }

    /// Deletes a delivered message, reschedules a retried one (reviving a dead letter), or
    /// marks a dead letter. Unknown ids are ignored.
    public func finishOutbox(id: String, outcome: OutboxOutcome) async throws(StoreError) {
        try await write("finish outbox message") { db in
            switch outcome {
            case .delivered:
                try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            case .retry(let at, let error):
                try db.execute(
                    sql: "UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?",
                    arguments: [at.epochMilliseconds, error, id]
                )
            case .deadLetter(let error):
                try db.execute(sql: "UPDATE outbox SET state = 'dead', last_error = ? WHERE id = ?", arguments: [error, id])
            }
        }
    }

    /// Queues `message` inside a commit's transaction; an id already queued violates the
    /// primary key and fails the whole commit.
    static func enqueue(_ message: OutboxMessage, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO outbox
                    (id, tenant, provider, address, message, created_at, sequence, attempts, next_attempt_at, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                """,
            arguments: [
                message.id, message.tenant, message.provider,
                message.address.serializedString(), message.message.serializedString(),
                message.createdAt.epochMilliseconds, message.sequence, message.attempts,
                message.nextAttemptAt.epochMilliseconds,
            ]
        )
    }

    private static func outboxMessage(_ row: Row) throws(StoreError) -> OutboxMessage {
        let table = "outbox"
        return OutboxMessage(
            id: try row.column("id", of: table),
            tenant: try row.column("tenant", of: table),
            provider: try row.column("provider", of: table),
            address: try row.json("address", of: table),
            message: try row.json("message", of: table),
            createdAt: Date(epochMilliseconds: try row.column("created_at", of: table)),
            sequence: try row.column("sequence", of: table),
            attempts: try row.column("attempts", of: table)
        )
    }
}
