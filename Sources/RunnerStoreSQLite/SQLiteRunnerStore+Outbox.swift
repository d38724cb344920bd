public import Foundation
import GRDB
public import RunnerCore

extension SQLiteRunnerStore {
    /// Handles abandoned sends, then leases the due heads of their conversations, oldest first
    /// (`created_at`, `sequence`, then `id`), in one write transaction.
    public func leaseOutbox(_ request: OutboxLeaseRequest) async throws(StoreError) -> OutboxLeaseBatch {
        let nowMS = request.now.epochMilliseconds
        let excluded = request.fullTenants
        return try await write("lease outbox messages") { db in
            let abandoned = try Self.resolveAbandonedSends(request.abandoned, nowMS: nowMS, db)
            guard request.limit > 0 else { return OutboxLeaseBatch(abandoned: abandoned) }
            // The full tenants as one JSON array argument, so both walks are one statement text
            // each and come from the statement cache (compiling them cost more than running them).
            let exclusion = JSONValue.array(excluded.map { .string($0) }).serializedString()
            // Two walks in delivery order, merged as they are read: messages whose lease ran out
            // before a send started, and due pending ones (through `outbox_queue`, so a backlog
            // is not sorted on every lease). Only a conversation's first undelivered message
            // qualifies. The walks read the ordering columns only and stop as soon as the batch
            // is full, or once `lookAhead` rows in a row belonged to tenants the batch filled to
            // their room: a tenant with a backlog does not hide another's messages queued
            // shortly behind its own, yet a lease for one free slot reads a few dozen rows, not
            // the backlog. (Tenants at their room before the lease are left out by the query.)
            let head = """
                AND o.tenant NOT IN (SELECT value FROM json_each(?))
                AND NOT EXISTS (
                  SELECT 1 FROM outbox e
                  WHERE e.tenant = o.tenant AND e.provider = o.provider AND e.conversation = o.conversation
                    AND e.state IN ('pending', 'leased', 'sending')
                    AND (e.created_at, e.sequence, e.id) < (o.created_at, o.sequence, o.id))
                ORDER BY o.created_at, o.sequence, o.id
                """
            func walk(_ condition: String) throws -> CandidateWalk {
                CandidateWalk(
                    try Row.fetchCursor(
                        db.cachedStatement(
                            sql:
                                "SELECT o.id, o.tenant, o.created_at, o.sequence FROM outbox o INDEXED BY outbox_queue WHERE \(condition) \(head)"
                        ),
                        arguments: [nowMS, exclusion]
                    )
                )
            }
            var expired = try walk("o.state = 'leased' AND o.lease_until <= ?")
            var due = try walk("o.state = 'pending' AND o.next_attempt_at <= ?")
            let lookAhead = 32
            var chosen: [Candidate] = []
            var taken: [String: Int] = [:]
            var skipped = 0
            while chosen.count < request.limit, skipped < lookAhead {
                guard let candidate = try CandidateWalk.next(from: &expired, or: &due) else { break }
                guard taken[candidate.tenant, default: 0] < request.room(for: candidate.tenant) else {
                    skipped += 1
                    continue
                }
                skipped = 0
                taken[candidate.tenant, default: 0] += 1
                chosen.append(candidate)
            }
            // The walks end before anything is written.
            expired.close()
            due.close()
            var leases: [OutboxLease] = []
            for candidate in chosen {
                guard
                    let row = try Row.fetchOne(
                        db,
                        cached: "SELECT \(Self.outboxColumns) FROM outbox o WHERE o.id = ?",
                        arguments: [candidate.id]
                    )
                else { continue }
                leases.append(try Self.lease(try Self.outboxMessage(row), until: request.leaseUntil, db))
            }
            return OutboxLeaseBatch(leases: leases, abandoned: abandoned)
        }
    }

    /// A message that may be leased, as the lease walks read it.
    private struct Candidate {
        var id: String
        var tenant: String
        var createdAt: Int64
        var sequence: Int64

        /// Delivery order.
        func precedes(_ other: Candidate) -> Bool {
            (createdAt, sequence, id) < (other.createdAt, other.sequence, other.id)
        }
    }

    /// One lease walk, read a row at a time with the next row looked at but not yet taken.
    private struct CandidateWalk {
        private var cursor: RowCursor?
        private var peeked: Candidate??

        init(_ cursor: RowCursor) {
            self.cursor = cursor
        }

        /// The next candidate without taking it (`nil`: the walk is over).
        mutating func peek() throws -> Candidate? {
            if let peeked { return peeked }
            let next = try cursor?.next().map(Self.candidate)
            peeked = .some(next)
            return next
        }

        /// Takes the candidate ``peek()`` returned.
        mutating func take() {
            peeked = nil
        }

        /// Ends the walk (its statement is reset, so writes may follow).
        mutating func close() {
            cursor = nil
            peeked = .some(nil)
        }

        /// The earlier of the two walks' next candidates, taken.
        static func next(from first: inout CandidateWalk, or second: inout CandidateWalk) throws -> Candidate? {
            switch (try first.peek(), try second.peek()) {
            case (let a?, let b?):
                if a.precedes(b) {
                    first.take()
                    return a
                }
                second.take()
                return b
            case (let a?, nil):
                first.take()
                return a
            case (nil, let b?):
                second.take()
                return b
            case (nil, nil):
                return nil
            }
        }

        private static func candidate(_ row: Row) throws -> Candidate {
            do {
                return Candidate(
                    id: try row.decode(atIndex: 0),
                    tenant: try row.decode(atIndex: 1),
                    createdAt: try row.decode(atIndex: 2),
                    sequence: try row.decode(atIndex: 3)
                )
            } catch {
                throw StoreError(.corrupt, "outbox holds a row with unexpected ordering columns", cause: error)
            }
        }
    }

    /// Dead-letters (or makes due again) every send whose lease ran out; returns them.
    private static func resolveAbandonedSends(
        _ policy: OutboxLeaseRequest.AbandonedSends,
        nowMS: Int64,
        _ db: Database
    ) throws -> [OutboxMessage] {
        let rows = try Row.fetchAll(
            db,
            cached: """
                SELECT \(outboxColumns) FROM outbox o WHERE o.state = 'sending' AND o.lease_until <= ?
                ORDER BY o.created_at, o.sequence, o.id
                """,
            arguments: [nowMS]
        )
        guard !rows.isEmpty else { return [] }
        switch policy {
        case .deadLetter(let retainUntil):
            try db.execute(
                cached: """
                    UPDATE outbox SET state = 'dead', lease_token = NULL, lease_until = NULL, last_error = ?, retain_until = ?
                    WHERE state = 'sending' AND lease_until <= ?
                    """,
                arguments: [DeadLetter.unknownOutcome, retainUntil.epochMilliseconds, nowMS]
            )
        case .resend:
            try db.execute(
                cached: """
                    UPDATE outbox SET state = 'pending', lease_token = NULL, lease_until = NULL, next_attempt_at = ?
                    WHERE state = 'sending' AND lease_until <= ?
                    """,
                arguments: [nowMS, nowMS]
            )
        }
        return try rows.map { row throws(StoreError) in
            var message = try outboxMessage(row)
            if case .resend = policy { message.nextAttemptAt = Date(epochMilliseconds: nowMS) }
            return message
        }
    }

    /// `leased` → `sending` with one more attempt, while the token holds an unexpired lease.
    public func startDelivery(_ lease: OutboxLease, now: Date) async throws(StoreError) -> Bool {
        let nowMS = now.epochMilliseconds
        return try await write("start outbox delivery") { db in
            try db.execute(
                cached: """
                    UPDATE outbox SET state = 'sending', attempts = attempts + 1
                    WHERE id = ? AND state = 'leased' AND lease_token = ? AND lease_until > ?
                    """,
                arguments: [lease.id, lease.token.rawValue, nowMS]
            )
            return db.changesCount == 1
        }
    }

    /// Records a leased message's outcome while the token holds its lease.
    @discardableResult
    public func finishOutbox(_ lease: OutboxLease, outcome: OutboxOutcome, now: Date) async throws(StoreError) -> Bool {
        let held = "id = ? AND state IN ('leased', 'sending') AND lease_token = ?"
        return try await write("finish outbox message") { db in
            switch outcome {
            case .delivered:
                try db.execute(cached: "DELETE FROM outbox WHERE \(held)", arguments: [lease.id, lease.token.rawValue])
            case .retry(let at, let error):
                try db.execute(
                    cached: """
                        UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ?, lease_token = NULL, lease_until = NULL
                        WHERE \(held)
                        """,
                    arguments: [at.epochMilliseconds, error, lease.id, lease.token.rawValue]
                )
            case .deadLetter(let error, let retainUntil):
                try db.execute(
                    cached: """
                        UPDATE outbox SET state = 'dead', last_error = ?, retain_until = ?, lease_token = NULL, lease_until = NULL
                        WHERE \(held)
                        """,
                    arguments: [error, retainUntil.epochMilliseconds, lease.id, lease.token.rawValue]
                )
            case .postpone(let until):
                try db.execute(
                    cached: """
                        UPDATE outbox SET state = 'pending', next_attempt_at = ?, lease_token = NULL, lease_until = NULL
                        WHERE \(held)
                        """,
                    arguments: [until.epochMilliseconds, lease.id, lease.token.rawValue]
                )
            }
            return db.changesCount == 1
        }
    }

    public func deadLetters(tenant: String?, after: String?, limit: Int) async throws(StoreError) -> DeadLetterPage {
        let pageSize = max(0, limit)
        return try await read("list dead letters") { db in
            var conditions = ["o.state = 'dead'"]
            var arguments: StatementArguments = []
            if let tenant {
                conditions.append("o.tenant = ?")
                arguments += [tenant]
            }
            if let after {
                conditions.append("o.id > ?")
                arguments += [after]
            }
            arguments += [pageSize + 1]
            let rows = try Row.fetchAll(
                db,
                cached: """
                    SELECT \(Self.outboxColumns), o.last_error, o.retain_until FROM outbox o
                    WHERE \(conditions.joined(separator: " AND ")) ORDER BY o.id LIMIT ?
                    """,
                arguments: arguments
            )
            var letters: [DeadLetter] = []
            for row in rows.prefix(pageSize) {
                let retain: Int64? = try row.column("retain_until", of: "outbox")
                letters.append(
                    DeadLetter(
                        message: try Self.outboxMessage(row),
                        error: try row.column("last_error", of: "outbox") ?? "",
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
        return try await write("replay dead letter") { db in
            try db.execute(
                cached: """
                    UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, retain_until = NULL
                    WHERE id = ? AND state = 'dead' AND (? IS NULL OR tenant = ?)
                    """,
                arguments: [nowMS, id, tenant, tenant]
            )
            return db.changesCount == 1
        }
    }

    public func queueCounts() async throws(StoreError) -> (outbox: OutboxCounts, inbox: InboxCounts) {
        try await read("count queued messages") { db in
            var outbox = OutboxCounts()
            for row in try Row.fetchAll(db, cached: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                let state: String = try row.column("state", of: "outbox")
                let count: Int = try row.column("n", of: "outbox")
                switch state {
                case "pending": outbox.pending += count
                case "leased", "sending": outbox.inFlight += count
                default: outbox.dead += count
                }
            }
            var inbox = InboxCounts()
            for row in try Row.fetchAll(db, cached: "SELECT state, COUNT(*) AS n FROM inbox GROUP BY state") {
                let state: String = try row.column("state", of: "inbox")
                let count: Int = try row.column("n", of: "inbox")
                switch state {
                case "pending": inbox.pending += count
                case "leased": inbox.inFlight += count
                default: inbox.failed += count
                }
            }
            return (outbox, inbox)
        }
    }

    /// Leases the just-queued `messages` that are due and head their conversation (see
    /// ``RunnerStore/commit(_:)``).
    static func leaseReplies(_ messages: [OutboxMessage], _ replyLease: RunCommit.ReplyLease, _ db: Database) throws -> [OutboxLease] {
        var leases: [OutboxLease] = []
        for message in messages.sorted(by: { $0.precedes($1) }) where leases.count < replyLease.limit && message.isDueWhenCreated {
            let waiting = try Bool.fetchOne(
                db,
                cached: """
                    SELECT EXISTS (
                      SELECT 1 FROM outbox e
                      WHERE e.tenant = ? AND e.provider = ? AND e.conversation = ?
                        AND e.state IN ('pending', 'leased', 'sending')
                        AND (e.created_at, e.sequence, e.id) < (?, ?, ?))
                    """,
                arguments: [
                    message.tenant, message.target.provider, message.target.conversation,
                    message.createdAt.epochMilliseconds, message.sequence, message.id,
                ]
            )
            guard waiting == false else { continue }
            leases.append(try lease(message, until: replyLease.until, db))
        }
        return leases
    }

    /// Leases `message` with a new token.
    private static func lease(_ message: OutboxMessage, until leaseUntil: Date, _ db: Database) throws -> OutboxLease {
        let token = ClaimToken.random()
        try db.execute(
            cached: "UPDATE outbox SET state = 'leased', lease_token = ?, lease_until = ? WHERE id = ?",
            arguments: [token.rawValue, leaseUntil.epochMilliseconds, message.id]
        )
        return OutboxLease(message: message, token: token, leaseUntil: leaseUntil)
    }

    /// Queues `message` inside a transaction; an id already queued violates the primary key
    /// and fails the whole transaction.
    static func enqueue(_ message: OutboxMessage, _ db: Database) throws {
        try db.execute(
            cached: """
                INSERT INTO outbox
                    (id, tenant, provider, conversation, address, message, created_at, sequence, attempts, next_attempt_at, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                """,
            arguments: [
                message.id, message.tenant, message.target.provider, message.target.conversation,
                message.target.address.serializedString(), message.message.serializedString(),
                message.createdAt.epochMilliseconds, message.sequence, message.attempts,
                message.nextAttemptAt.epochMilliseconds,
            ]
        )
    }

    /// The columns ``outboxMessage(_:)`` reads, from the table aliased `o`.
    static let outboxColumns =
        "o.id, o.tenant, o.provider, o.conversation, o.address, o.message, o.created_at, o.sequence, o.attempts, o.next_attempt_at"

    static func outboxMessage(_ row: Row) throws(StoreError) -> OutboxMessage {
        let table = "outbox"
        return OutboxMessage(
            id: try row.column("id", of: table),
            tenant: try row.column("tenant", of: table),
            target: ReplyTarget(
                provider: try row.column("provider", of: table),
                conversation: try row.column("conversation", of: table),
                address: try row.json("address", of: table)
            ),
            message: try row.json("message", of: table),
            createdAt: Date(epochMilliseconds: try row.column("created_at", of: table)),
            sequence: try row.column("sequence", of: table),
            attempts: try row.column("attempts", of: table),
            nextAttemptAt: Date(epochMilliseconds: try row.column("next_attempt_at", of: table))
        )
    }
}
