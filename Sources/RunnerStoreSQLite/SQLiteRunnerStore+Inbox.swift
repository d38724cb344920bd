public import Foundation
import GRDB
public import RunnerCore

extension SQLiteRunnerStore {
    /// Records an acceptance in one write transaction: dedupe rows, inbox rows and immediate
    /// outbox messages of every entry whose dedupe key is not live.
    public func accept(_ acceptance: Acceptance, now: Date) async throws(StoreError) -> [AcceptOutcome] {
        let nowMS = now.epochMilliseconds
        return try await write("accept events") { db in
            var seen: Set<DedupeKey> = []
            var outcomes: [AcceptOutcome] = []
            for entry in acceptance.entries {
                if let key = entry.dedupe {
                    guard try !Self.isLive(key, nowMS: nowMS, db), seen.insert(key).inserted else {
                        outcomes.append(.duplicate)
                        continue
                    }
                    try Self.recordDone(key, response: acceptance.response, retainUntil: acceptance.retainUntil, db)
                }
                if let tick = entry.timerTick {
                    try db.execute(
                        cached: "UPDATE timer_schedule SET last_tick = ? WHERE tenant = ? AND schedule_id = ? AND last_tick < ?",
                        arguments: [tick.at.epochMilliseconds, tick.tenant, tick.scheduleID, tick.at.epochMilliseconds]
                    )
                    guard db.changesCount == 1 else {
                        outcomes.append(.duplicate)
                        continue
                    }
                }
                var event = entry.event
                var lease: InboxLease?
                if let leaseUntil = acceptance.leaseUntil, try !Self.sessionHasWaitingEvents(event, db) {
                    event.attempts = 1
                    let token = ClaimToken.random()
                    lease = InboxLease(event: event, token: token, leaseUntil: leaseUntil)
                }
                try Self.insert(event, lease: lease, db)
                for message in entry.outbox {
                    try Self.enqueue(message, db)
                }
                outcomes.append(.accepted(lease))
            }
            return outcomes
        }
    }

    public func timerCursor(tenant: String, scheduleID: String, spec: String, now: Date) async throws(StoreError) -> Date {
        let nowMS = now.epochMilliseconds
        return try await write("read timer cursor") { db in
            try db.execute(
                cached: """
                    INSERT INTO timer_schedule (tenant, schedule_id, spec, last_tick) VALUES (?, ?, ?, ?)
                    ON CONFLICT (tenant, schedule_id) DO UPDATE
                    SET spec = excluded.spec, last_tick = MAX(timer_schedule.last_tick, excluded.last_tick)
                    WHERE timer_schedule.spec <> excluded.spec
                    """,
                arguments: [tenant, scheduleID, spec, nowMS]
            )
            let lastTick = try Int64.fetchOne(
                db,
                cached: "SELECT last_tick FROM timer_schedule WHERE tenant = ? AND schedule_id = ?",
                arguments: [tenant, scheduleID]
            )
            guard let lastTick else { throw StoreError(.corrupt, "timer_schedule lost the row of \(tenant)/\(scheduleID)") }
            return Date(epochMilliseconds: lastTick)
        }
    }

    /// Whether an event of `event`'s session is pending or leased (so it must wait its turn).
    private static func sessionHasWaitingEvents(_ event: InboxEvent, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            cached: """
                SELECT EXISTS (SELECT 1 FROM inbox INDEXED BY inbox_session
                               WHERE tenant = ? AND session_key = ? AND state IN ('pending', 'leased'))
                """,
            arguments: [event.tenant, event.sessionKey]
        ) ?? false
    }

    /// Leases the due heads of their sessions, oldest first (`received_at`, then `id`).
    public func leaseInbox(now: Date, limit: Int, leaseUntil: Date) async throws(StoreError) -> [InboxLease] {
        guard limit > 0 else { return [] }
        let nowMS = now.epochMilliseconds
        let leaseMS = leaseUntil.epochMilliseconds
        return try await write("lease inbox events") { db in
            // Two walks in run order, each stopping after `limit` rows: events whose lease ran
            // out, and due pending ones (through `inbox_queue`, so a backlog is not sorted on
            // every lease). A session's head is its leased event (at most one), else its
            // earliest pending one; only heads qualify. (A pending event may sort before the
            // leased one when nodes' clocks differ; it still waits.) Runners before v6's code
            // could lease several events of a session at once: of such expired leases only the
            // earliest is taken, and only while none of the session is leased live.
            let noOtherLeased = """
                SELECT 1 FROM inbox e
                WHERE e.tenant = i.tenant AND e.session_key = i.session_key AND e.id <> i.id AND e.state = 'leased'
                """
            let expired = try Row.fetchAll(
                db,
                cached: """
                    SELECT \(Self.inboxColumns) FROM inbox i INDEXED BY inbox_queue
                    WHERE i.state = 'leased' AND i.lease_until <= ?
                      AND NOT EXISTS (
                        SELECT 1 FROM inbox e
                        WHERE e.tenant = i.tenant AND e.session_key = i.session_key AND e.id <> i.id AND e.state = 'leased'
                          AND (e.lease_until > ? OR (e.received_at, e.id) < (i.received_at, i.id)))
                    ORDER BY i.received_at, i.id LIMIT ?
                    """,
                arguments: [nowMS, nowMS, limit]
            )
            let pending = try Row.fetchAll(
                db,
                cached: """
                    SELECT \(Self.inboxColumns) FROM inbox i INDEXED BY inbox_queue
                    WHERE i.state = 'pending' AND i.next_attempt_at <= ? AND NOT EXISTS (\(noOtherLeased))
                      AND NOT EXISTS (
                        SELECT 1 FROM inbox e
                        WHERE e.tenant = i.tenant AND e.session_key = i.session_key AND e.state = 'pending'
                          AND (e.received_at, e.id) < (i.received_at, i.id))
                    ORDER BY i.received_at, i.id LIMIT ?
                    """,
                arguments: [nowMS, limit]
            )
            var events = try (expired + pending).map { row throws(StoreError) in try Self.inboxEvent(row) }
            events.sort { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }
            var leases: [InboxLease] = []
            for var event in events.prefix(limit) {
                event.attempts += 1
                let token = ClaimToken.random()
                try db.execute(
                    cached: "UPDATE inbox SET state = 'leased', lease_token = ?, lease_until = ?, attempts = ? WHERE id = ?",
                    arguments: [token.rawValue, leaseMS, event.attempts, event.id]
                )
                leases.append(InboxLease(event: event, token: token, leaseUntil: leaseUntil))
            }
            return leases
        }
    }

    @discardableResult
    public func releaseInbox(id: String, token: ClaimToken, retryAt: Date, error: String) async throws(StoreError) -> Bool {
        try await write("release inbox event") { db in
            try db.execute(
                cached: """
                    UPDATE inbox SET state = 'pending', next_attempt_at = ?, last_error = ?, lease_token = NULL, lease_until = NULL,
                                     attempts = MAX(attempts - 1, 0)
                    WHERE id = ? AND state = 'leased' AND lease_token = ?
                    """,
                arguments: [retryAt.epochMilliseconds, error, id, token.rawValue]
            )
            return db.changesCount == 1
        }
    }

    /// Completes the leased inbox event inside a commit's transaction; throws `.claimLost`
    /// when the token no longer holds its lease.
    static func complete(_ completion: RunCommit.InboxCompletion, _ db: Database) throws {
        switch completion.outcome {
        case .done:
            try db.execute(
                cached: "DELETE FROM inbox WHERE id = ? AND state = 'leased' AND lease_token = ?",
                arguments: [completion.id, completion.token.rawValue]
            )
        case .failed(let error, let retainUntil):
            try db.execute(
                cached: """
                    UPDATE inbox SET state = 'failed', last_error = ?, retain_until = ?, lease_token = NULL, lease_until = NULL
                    WHERE id = ? AND state = 'leased' AND lease_token = ?
                    """,
                arguments: [error, retainUntil.epochMilliseconds, completion.id, completion.token.rawValue]
            )
        }
        guard db.changesCount == 1 else {
            throw StoreError(.claimLost, "the lease on inbox event \(completion.id) is no longer held")
        }
    }

    // MARK: - Rows

    private static func insert(_ event: InboxEvent, lease: InboxLease?, _ db: Database) throws {
        try db.execute(
            cached: """
                INSERT INTO inbox
                    (id, tenant, provider, session_key, flow_id, input, reply_provider, reply_conversation, reply_address,
                     received_at, attempts, next_attempt_at, state, lease_token, lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                event.id, event.tenant, event.provider, event.sessionKey, event.flowID, event.input.serializedString(),
                event.reply?.provider, event.reply?.conversation, event.reply?.address.serializedString(),
                event.receivedAt.epochMilliseconds, event.attempts, event.nextAttemptAt.epochMilliseconds,
                lease == nil ? "pending" : "leased", lease?.token.rawValue, lease?.leaseUntil.epochMilliseconds,
            ]
        )
    }

    private static let inboxColumns = """
        i.id, i.tenant, i.provider, i.session_key, i.flow_id, i.input, i.reply_provider, i.reply_conversation, i.reply_address, \
        i.received_at, i.attempts, i.next_attempt_at
        """

    private static func inboxEvent(_ row: Row) throws(StoreError) -> InboxEvent {
        let table = "inbox"
        let replyProvider: String? = try row.column("reply_provider", of: table)
        var reply: ReplyTarget?
        if let replyProvider {
            reply = ReplyTarget(
                provider: replyProvider,
                conversation: try row.column("reply_conversation", of: table),
                address: try row.json("reply_address", of: table)
            )
        }
        return InboxEvent(
            id: try row.column("id", of: table),
            tenant: try row.column("tenant", of: table),
            provider: try row.column("provider", of: table),
            sessionKey: try row.column("session_key", of: table),
            flowID: try row.column("flow_id", of: table),
            input: try row.json("input", of: table),
            reply: reply,
            receivedAt: Date(epochMilliseconds: try row.column("received_at", of: table)),
            attempts: try row.column("attempts", of: table),
            nextAttemptAt: Date(epochMilliseconds: try row.column("next_attempt_at", of: table))
        )
    }
}
