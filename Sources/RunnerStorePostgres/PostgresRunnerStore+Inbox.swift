public import Foundation
import Logging
import PostgresNIO
public import RunnerCore

extension PostgresRunnerStore {
    /// Records an acceptance in one transaction: dedupe rows, inbox rows and immediate outbox
    /// messages of every entry whose dedupe key is not live.
    ///
    /// An entry's dedupe row is written by an upsert that takes over only a row no longer live,
    /// so of two nodes accepting the same event one records it and the other sees a duplicate.
    /// Deciding whether an entry may be leased to the caller (no event of its session waiting)
    /// holds a transaction-level advisory lock on the session, so two nodes accepting events
    /// of one session at once never both lease.
    public func accept(_ acceptance: Acceptance, now: Date) async throws(StoreError) -> [AcceptOutcome] {
        try await transaction("accept events") { connection in
            var outcomes: [AcceptOutcome] = []
            for entry in acceptance.entries {
                if let key = entry.dedupe {
                    let recorded = try await Self.recordDone(
                        key,
                        response: acceptance.response,
                        retainUntil: acceptance.retainUntil,
                        now: now,
                        connection,
                        self.logger
                    )
                    guard recorded else {
                        outcomes.append(.duplicate)
                        continue
                    }
                }
                if let tick = entry.timerTick {
                    // Moves the cursor forward only: of nodes recording one tick, one wins.
                    let at = tick.at.epochMilliseconds
                    let moved = try await connection.count(
                        """
                        UPDATE timer_schedule SET last_tick = \(at)
                        WHERE tenant = \(tick.tenant) AND schedule_id = \(tick.scheduleID) AND last_tick < \(at)
                        RETURNING 1
                        """,
                        self.logger
                    )
                    guard moved == 1 else {
                        outcomes.append(.duplicate)
                        continue
                    }
                }
                var event = entry.event
                var lease: InboxLease?
                if let leaseUntil = acceptance.leaseUntil, try await !Self.sessionHasWaitingEvents(event, connection, self.logger) {
                    event.attempts = 1
                    lease = InboxLease(event: event, token: ClaimToken.random(), leaseUntil: leaseUntil)
                }
                try await Self.insert(event, lease: lease, connection, self.logger)
                for message in entry.outbox {
                    try await Self.enqueue(message, connection, self.logger)
                }
                outcomes.append(.accepted(lease))
            }
            return outcomes
        }
    }

    public func timerCursor(tenant: String, scheduleID: String, spec: String, now: Date) async throws(StoreError) -> Date {
        let nowMS = now.epochMilliseconds
        return try await withConnection("read timer cursor") { connection in
            // One statement: a new schedule (or one whose definition changed) starts at `now`,
            // never moving a cursor back; otherwise the stored cursor stands.
            let rows = try await connection.rows(
                """
                INSERT INTO timer_schedule AS t (tenant, schedule_id, spec, last_tick) VALUES (\(tenant), \(scheduleID), \(spec), \(nowMS))
                ON CONFLICT (tenant, schedule_id) DO UPDATE
                SET spec = excluded.spec, last_tick = GREATEST(t.last_tick, excluded.last_tick)
                WHERE t.spec <> excluded.spec
                RETURNING last_tick
                """,
                self.logger
            )
            if let row = rows.first { return Date(epochMilliseconds: try row.decodeStored(Int64.self, table: "timer_schedule")) }
            let stored = try await connection.rows(
                "SELECT last_tick FROM timer_schedule WHERE tenant = \(tenant) AND schedule_id = \(scheduleID)",
                self.logger
            )
            guard let row = stored.first else { throw StoreError(.corrupt, "timer_schedule lost the row of \(tenant)/\(scheduleID)") }
            return Date(epochMilliseconds: try row.decodeStored(Int64.self, table: "timer_schedule"))
        }
    }

    /// Whether an event of `event`'s session is pending or leased, after taking the session's
    /// advisory lock (held until the transaction ends).
    private static func sessionHasWaitingEvents(
        _ event: InboxEvent,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Bool {
        let lockKey = "inbox \(event.tenant.utf8.count):\(event.tenant)\(event.sessionKey)"
        try await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(\(lockKey), 0))", logger)
        let rows = try await connection.rows(
            """
            SELECT EXISTS (SELECT 1 FROM inbox WHERE tenant = \(event.tenant) AND session_key = \(event.sessionKey)
                           AND state IN ('pending', 'leased'))
            """,
            logger
        )
        return try rows.first?.decodeStored(Bool.self, table: "inbox") ?? false
    }

    /// Leases the due heads of their sessions, oldest first (`received_at`, then `id`). Rows are
    /// taken with `FOR UPDATE SKIP LOCKED`: a row another node is leasing is passed over, and a
    /// later event of its session is not a head while that row is waiting.
    public func leaseInbox(now: Date, limit: Int, leaseUntil: Date) async throws(StoreError) -> [InboxLease] {
        guard limit > 0 else { return [] }
        let nowMS = now.epochMilliseconds
        let leaseMS = leaseUntil.epochMilliseconds
        let limit64 = Int64(limit)
        return try await transaction("lease inbox events") { connection in
            // One walk in run order over the due heads, locking only the rows it takes; rows
            // another node is leasing are passed over (SKIP LOCKED). A head is an expired lease
            // with no live or earlier lease in its session (runners before v6 of the SQLite
            // schema could lease several), or the earliest pending event of a session with no
            // leased one.
            let rows = try await connection.rows(
                """
                SELECT \(unescaped: Self.inboxColumns) FROM inbox i
                WHERE (i.state = 'leased' AND i.lease_until <= \(nowMS)
                       AND NOT EXISTS (
                         SELECT 1 FROM inbox e
                         WHERE e.tenant = i.tenant AND e.session_key = i.session_key AND e.id <> i.id AND e.state = 'leased'
                           AND (e.lease_until > \(nowMS) OR (e.received_at, e.id) < (i.received_at, i.id))))
                   OR (i.state = 'pending' AND i.next_attempt_at <= \(nowMS)
                       AND NOT EXISTS (
                         SELECT 1 FROM inbox e
                         WHERE e.tenant = i.tenant AND e.session_key = i.session_key AND e.id <> i.id AND e.state = 'leased')
                       AND NOT EXISTS (
                         SELECT 1 FROM inbox e
                         WHERE e.tenant = i.tenant AND e.session_key = i.session_key AND e.state = 'pending'
                           AND (e.received_at, e.id) < (i.received_at, i.id)))
                ORDER BY i.received_at, i.id LIMIT \(limit64)
                FOR UPDATE SKIP LOCKED
                """,
                self.logger
            )
            var leases: [InboxLease] = []
            for row in rows {
                var event = try Self.inboxEvent(row)
                event.attempts += 1
                leases.append(InboxLease(event: event, token: ClaimToken.random(), leaseUntil: leaseUntil))
            }
            guard !leases.isEmpty else { return [] }
            try await connection.execute(
                """
                UPDATE inbox SET state = 'leased', lease_token = u.token, lease_until = \(leaseMS), attempts = inbox.attempts + 1
                FROM unnest(\(leases.map(\.event.id))::text[], \(leases.map(\.token.rawValue))::text[]) AS u(id, token)
                WHERE inbox.id = u.id
                """,
                self.logger
            )
            return leases
        }
    }

    @discardableResult
    public func releaseInbox(id: String, token: ClaimToken, retryAt: Date, error: String) async throws(StoreError) -> Bool {
        try await withConnection("release inbox event") { connection in
            try await connection.count(
                """
                UPDATE inbox SET state = 'pending', next_attempt_at = \(retryAt.epochMilliseconds), last_error = \(error),
                                 lease_token = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0)
                WHERE id = \(id) AND state = 'leased' AND lease_token = \(token.rawValue)
                RETURNING 1
                """,
                self.logger
            ) == 1
        }
    }

    /// Completes the leased inbox event inside a commit's transaction; throws `.claimLost` when
    /// the token no longer holds its lease.
    static func complete(_ completion: RunCommit.InboxCompletion, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let changed: Int
        switch completion.outcome {
        case .done:
            changed = try await connection.count(
                "DELETE FROM inbox WHERE id = \(completion.id) AND state = 'leased' AND lease_token = \(completion.token.rawValue) RETURNING 1",
                logger
            )
        case .failed(let error, let retainUntil):
            changed = try await connection.count(
                """
                UPDATE inbox SET state = 'failed', last_error = \(error), retain_until = \(retainUntil.epochMilliseconds),
                                 lease_token = NULL, lease_until = NULL
                WHERE id = \(completion.id) AND state = 'leased' AND lease_token = \(completion.token.rawValue)
                RETURNING 1
                """,
                logger
            )
        }
        guard changed == 1 else {
            throw StoreError(.claimLost, "the lease on inbox event \(completion.id) is no longer held")
        }
    }

    // MARK: - Rows

    private static func insert(_ event: InboxEvent, lease: InboxLease?, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO inbox
                (id, tenant, provider, session_key, flow_id, input, reply_provider, reply_conversation, reply_address,
                 received_at, attempts, next_attempt_at, state, lease_token, lease_until)
            VALUES (\(event.id), \(event.tenant), \(event.provider), \(event.sessionKey), \(event.flowID), \(event.input.serializedString()),
                    \(event.reply?.provider), \(event.reply?.conversation), \(event.reply?.address.serializedString()),
                    \(event.receivedAt.epochMilliseconds), \(Int64(event.attempts)), \(event.nextAttemptAt.epochMilliseconds),
                    \(lease == nil ? "pending" : "leased"), \(lease?.token.rawValue), \(lease?.leaseUntil.epochMilliseconds))
            """,
            logger
        )
    }

    private static let inboxColumns = """
        i.id, i.tenant, i.provider, i.session_key, i.flow_id, i.input, i.reply_provider, i.reply_conversation, i.reply_address, \
        i.received_at, i.attempts, i.next_attempt_at
        """

    private static func inboxEvent(_ row: PostgresRow) throws(StoreError) -> InboxEvent {
        let (
            id, tenant, provider, sessionKey, flowID, input, replyProvider, replyConversation, replyAddress, receivedAt, attempts,
            nextAttemptAt
        ) =
            try row.decodeStored(
                (String, String, String, String, String, String, String?, String?, String?, Int64, Int64, Int64).self,
                table: "inbox"
            )
        var reply: ReplyTarget?
        if let replyProvider {
            guard let replyConversation, let replyAddress else { throw StoreError(.corrupt, "inbox row \(id) has a partial reply target") }
            reply = ReplyTarget(
                provider: replyProvider,
                conversation: replyConversation,
                address: try StoredText.json(replyAddress, column: "inbox.reply_address")
            )
        }
        return InboxEvent(
            id: id,
            tenant: tenant,
            provider: provider,
            sessionKey: sessionKey,
            flowID: flowID,
            input: try StoredText.json(input, column: "inbox.input"),
            reply: reply,
            receivedAt: Date(epochMilliseconds: receivedAt),
            attempts: Int(clamping: attempts),
            nextAttemptAt: Date(epochMilliseconds: nextAttemptAt)
        )
    }
}
