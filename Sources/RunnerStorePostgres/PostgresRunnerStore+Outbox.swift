public import Foundation
import Logging
import PostgresNIO
public import RunnerCore

extension PostgresRunnerStore {
    /// Handles abandoned sends, then leases the due heads of their conversations, oldest first
    /// (`created_at`, `sequence`, then `id`), in one transaction. Candidates are taken with
    /// `FOR UPDATE SKIP LOCKED`, so two nodes leasing at once never take the same message, and
    /// a later message of a conversation is not a head while an earlier one waits.
    public func leaseOutbox(_ request: OutboxLeaseRequest) async throws(StoreError) -> OutboxLeaseBatch {
        let nowMS = request.now.epochMilliseconds
        let leaseMS = request.leaseUntil.epochMilliseconds
        let excluded = Array(request.fullTenants)
        return try await transaction("lease outbox messages") { connection in
            let abandoned = try await Self.resolveAbandonedSends(request.abandoned, nowMS: nowMS, connection, self.logger)
            guard request.limit > 0 else { return OutboxLeaseBatch(abandoned: abandoned) }
            // Walk the due heads in delivery order, locking only rows this lease may take: a
            // walk asks for the room left, and tenants that reach their room are excluded from
            // the next walk. Rows another node is leasing are passed over (SKIP LOCKED).
            var leases: [OutboxLease] = []
            var taken: [String: Int] = [:]
            var full = excluded
            while leases.count < request.limit {
                let rows = try await connection.rows(
                    """
                    SELECT \(unescaped: Self.outboxColumns) FROM outbox o
                    WHERE ((o.state = 'leased' AND o.lease_until <= \(nowMS)) OR (o.state = 'pending' AND o.next_attempt_at <= \(nowMS)))
                      AND NOT (o.tenant = ANY(\(full)::text[]))
                      AND NOT EXISTS (
                        SELECT 1 FROM outbox e
                        WHERE e.tenant = o.tenant AND e.provider = o.provider AND e.conversation = o.conversation
                          AND e.state IN ('pending', 'leased', 'sending')
                          AND (e.created_at, e.sequence, e.id) < (o.created_at, o.sequence, o.id))
                    ORDER BY o.created_at, o.sequence, o.id
                    LIMIT \(Int64(request.limit - leases.count))
                    FOR UPDATE SKIP LOCKED
                    """,
                    self.logger
                )
                var filled: [String] = []
                for row in rows where leases.count < request.limit {
                    let message = try Self.outboxMessage(row)
                    let room = request.room(for: message.tenant)
                    guard taken[message.tenant, default: 0] < room else { continue }
                    taken[message.tenant, default: 0] += 1
                    if taken[message.tenant, default: 0] == room { filled.append(message.tenant) }
                    leases.append(OutboxLease(message: message, token: ClaimToken.random(), leaseUntil: request.leaseUntil))
                }
                // Every row found was taken unless a tenant filled up during the walk: then walk
                // again without it. (Each further walk excludes one more tenant, so this ends.)
                guard !filled.isEmpty else { break }
                full += filled
            }
            if !leases.isEmpty {
                try await connection.execute(
                    """
                    UPDATE outbox SET state = 'leased', lease_token = u.token, lease_until = \(leaseMS)
                    FROM unnest(\(leases.map(\.id))::text[], \(leases.map(\.token.rawValue))::text[]) AS u(id, token)
                    WHERE outbox.id = u.id
                    """,
                    self.logger
                )
            }
            return OutboxLeaseBatch(leases: leases, abandoned: abandoned)
        }
    }

    /// Dead-letters (or makes due again) every send whose lease ran out; returns them.
    private static func resolveAbandonedSends(
        _ policy: OutboxLeaseRequest.AbandonedSends,
        nowMS: Int64,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> [OutboxMessage] {
        let query: PostgresQuery
        switch policy {
        case .deadLetter(let retainUntil):
            query = """
                UPDATE outbox o SET state = 'dead', lease_token = NULL, lease_until = NULL, last_error = \(DeadLetter.unknownOutcome),
                                    retain_until = \(retainUntil.epochMilliseconds)
                WHERE o.state = 'sending' AND o.lease_until <= \(nowMS)
                RETURNING \(unescaped: outboxColumns)
                """
        case .resend:
            query = """
                UPDATE outbox o SET state = 'pending', lease_token = NULL, lease_until = NULL, next_attempt_at = \(nowMS)
                WHERE o.state = 'sending' AND o.lease_until <= \(nowMS)
                RETURNING \(unescaped: outboxColumns)
                """
        }
        var messages = try await connection.rows(query, logger).map { row throws(StoreError) in try outboxMessage(row) }
        messages.sort { $0.precedes($1) }
        return messages
    }

    /// `leased` → `sending` with one more attempt, while the token holds an unexpired lease.
    public func startDelivery(_ lease: OutboxLease, now: Date) async throws(StoreError) -> Bool {
        let nowMS = now.epochMilliseconds
        return try await withConnection("start outbox delivery") { connection in
            try await connection.count(
                """
                UPDATE outbox SET state = 'sending', attempts = attempts + 1
                WHERE id = \(lease.id) AND state = 'leased' AND lease_token = \(lease.token.rawValue) AND lease_until > \(nowMS)
                RETURNING 1
                """,
                self.logger
            ) == 1
        }
    }

    /// Records a leased message's outcome while the token holds its lease.
    @discardableResult
    public func finishOutbox(_ lease: OutboxLease, outcome: OutboxOutcome, now: Date) async throws(StoreError) -> Bool {
        let id = lease.id
        let token = lease.token.rawValue
        let query: PostgresQuery
        switch outcome {
        case .delivered:
            query = "DELETE FROM outbox WHERE id = \(id) AND state IN ('leased', 'sending') AND lease_token = \(token) RETURNING 1"
        case .retry(let at, let error):
            query = """
                UPDATE outbox SET state = 'pending', next_attempt_at = \(at.epochMilliseconds), last_error = \(error),
                                  lease_token = NULL, lease_until = NULL
                WHERE id = \(id) AND state IN ('leased', 'sending') AND lease_token = \(token)
                RETURNING 1
                """
        case .deadLetter(let error, let retainUntil):
            query = """
                UPDATE outbox SET state = 'dead', last_error = \(error), retain_until = \(retainUntil.epochMilliseconds),
                                  lease_token = NULL, lease_until = NULL
                WHERE id = \(id) AND state IN ('leased', 'sending') AND lease_token = \(token)
                RETURNING 1
                """
        case .postpone(let until):
            query = """
                UPDATE outbox SET state = 'pending', next_attempt_at = \(until.epochMilliseconds), lease_token = NULL, lease_until = NULL
                WHERE id = \(id) AND state IN ('leased', 'sending') AND lease_token = \(token)
                RETURNING 1
                """
        }
        return try await withConnection("finish outbox message") { connection in
            try await connection.count(query, self.logger) == 1
        }
    }

    public func deadLetters(tenant: String?, after: String?, limit: Int) async throws(StoreError) -> DeadLetterPage {
        let pageSize = max(0, limit)
        return try await withConnection("list dead letters", readOnly: true) { connection in
            let rows = try await connection.rows(
                """
                SELECT \(unescaped: Self.outboxColumns), o.last_error, o.retain_until FROM outbox o
                WHERE o.state = 'dead' AND (\(tenant)::text IS NULL OR o.tenant = \(tenant))
                  AND (\(after)::text IS NULL OR o.id > \(after))
                ORDER BY o.id LIMIT \(Int64(pageSize) + 1)
                """,
                self.logger
            )
            var letters: [DeadLetter] = []
            for row in rows.prefix(pageSize) {
                let message = try Self.outboxMessage(row)
                let cells = Array(row)
                guard cells.count == 12 else { throw StoreError(.corrupt, "a dead letter row has \(cells.count) columns") }
                let lastError = try cells[10].decodeStored(String?.self, column: "outbox.last_error")
                let retain = try cells[11].decodeStored(Int64?.self, column: "outbox.retain_until")
                letters.append(
                    DeadLetter(
                        message: message,
                        error: lastError ?? "",
                        retainUntil: retain.map { Date(epochMilliseconds: $0) } ?? .distantFuture
                    )
                )
            }
            return DeadLetterPage(letters: letters, next: rows.count > pageSize ? letters.last?.message.id : nil)
        }
    }

    @discardableResult
    public func replayDeadLetter(id: String, tenant: String?, now: Date) async throws(StoreError) -> Bool {
        let nowMS = now.epochMilliseconds
        return try await withConnection("replay dead letter") { connection in
            try await connection.count(
                """
                UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = \(nowMS), retain_until = NULL
                WHERE id = \(id) AND state = 'dead' AND (\(tenant)::text IS NULL OR tenant = \(tenant))
                RETURNING 1
                """,
                self.logger
            ) == 1
        }
    }

    public func queueCounts() async throws(StoreError) -> (outbox: OutboxCounts, inbox: InboxCounts) {
        try await withConnection("count queued messages", readOnly: true) { connection in
            var outbox = OutboxCounts()
            for row in try await connection.rows("SELECT state, COUNT(*) FROM outbox GROUP BY state", self.logger) {
                let (state, count) = try row.decodeStored((String, Int64).self, table: "outbox")
                switch state {
                case "pending": outbox.pending += Int(count)
                case "leased", "sending": outbox.inFlight += Int(count)
                default: outbox.dead += Int(count)
                }
            }
            var inbox = InboxCounts()
            for row in try await connection.rows("SELECT state, COUNT(*) FROM inbox GROUP BY state", self.logger) {
                let (state, count) = try row.decodeStored((String, Int64).self, table: "inbox")
                switch state {
                case "pending": inbox.pending += Int(count)
                case "leased": inbox.inFlight += Int(count)
                default: inbox.failed += Int(count)
                }
            }
            return (outbox, inbox)
        }
    }

    /// Leases the just-queued `messages` that are due and head their conversation (see
    /// ``RunnerStore/commit(_:)``). Each check holds the conversation's advisory lock until the
    /// transaction ends, so two commits queueing replies to one conversation at once do not
    /// both see theirs as its head: the later one waits and then sees the earlier one's row.
    static func leaseReplies(
        _ messages: [OutboxMessage],
        _ replyLease: RunCommit.ReplyLease,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> [OutboxLease] {
        var leases: [OutboxLease] = []
        for message in messages.sorted(by: { $0.precedes($1) }) where leases.count < replyLease.limit && message.isDueWhenCreated {
            let conversation = message.target.conversation
            let lockKey =
                "outbox \(message.tenant.utf8.count):\(message.tenant)\(message.target.provider.utf8.count):\(message.target.provider)\(conversation)"
            try await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(\(lockKey), 0))", logger)
            let rows = try await connection.rows(
                """
                SELECT EXISTS (
                  SELECT 1 FROM outbox e
                  WHERE e.tenant = \(message.tenant) AND e.provider = \(message.target.provider) AND e.conversation = \(conversation)
                    AND e.state IN ('pending', 'leased', 'sending')
                    AND (e.created_at, e.sequence, e.id) < (\(message.createdAt.epochMilliseconds), \(message.sequence), \(message.id)))
                """,
                logger
            )
            let waiting = try rows.first?.decodeStored(Bool.self, table: "outbox") ?? true
            guard !waiting else { continue }
            let token = ClaimToken.random()
            try await connection.execute(
                """
                UPDATE outbox SET state = 'leased', lease_token = \(token.rawValue), lease_until = \(replyLease.until.epochMilliseconds)
                WHERE id = \(message.id)
                """,
                logger
            )
            leases.append(OutboxLease(message: message, token: token, leaseUntil: replyLease.until))
        }
        return leases
    }

    /// Queues `message` inside a transaction; an id already queued violates the primary key
    /// and fails the whole transaction.
    static func enqueue(_ message: OutboxMessage, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO outbox
                (id, tenant, provider, conversation, address, message, created_at, sequence, attempts, next_attempt_at, state)
            VALUES (\(message.id), \(message.tenant), \(message.target.provider), \(message.target.conversation),
                    \(message.target.address.serializedString()), \(message.message.serializedString()),
                    \(message.createdAt.epochMilliseconds), \(message.sequence), \(Int64(message.attempts)),
                    \(message.nextAttemptAt.epochMilliseconds), 'pending')
            """,
            logger
        )
    }

    /// The columns ``outboxMessage(_:)`` reads, first in the row, from the table aliased `o`.
    static let outboxColumns =
        "o.id, o.tenant, o.provider, o.conversation, o.address, o.message, o.created_at, o.sequence, o.attempts, o.next_attempt_at"

    static func outboxMessage(_ row: PostgresRow) throws(StoreError) -> OutboxMessage {
        var cells = row.makeIterator()
        func next<Value: PostgresDecodable>(_ type: Value.Type, _ column: String) throws(StoreError) -> Value {
            guard let cell = cells.next() else { throw StoreError(.corrupt, "outbox row lacks \(column)") }
            return try cell.decodeStored(type, column: "outbox.\(column)")
        }
        let id = try next(String.self, "id")
        let tenant = try next(String.self, "tenant")
        let provider = try next(String.self, "provider")
        let conversation = try next(String.self, "conversation")
        let address = try next(String.self, "address")
        let message = try next(String.self, "message")
        return OutboxMessage(
            id: id,
            tenant: tenant,
            target: ReplyTarget(
                provider: provider,
                conversation: conversation,
                address: try StoredText.json(address, column: "outbox.address")
            ),
            message: try StoredText.json(message, column: "outbox.message"),
            createdAt: Date(epochMilliseconds: try next(Int64.self, "created_at")),
            sequence: try next(Int.self, "sequence"),
            attempts: Int(clamping: try next(Int64.self, "attempts")),
            nextAttemptAt: Date(epochMilliseconds: try next(Int64.self, "next_attempt_at"))
        )
    }
}
