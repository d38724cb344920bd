public import Foundation

/// The inbox (accepted events) and the outbox (replies) of ``InMemoryRunnerStore``.
extension InMemoryRunnerStore {
    enum QueueState: Sendable {
        case pending, leased, sending, dead, failed
    }

    struct OutboxEntry: Sendable {
        var message: OutboxMessage
        var state: QueueState = .pending
        var token: ClaimToken?
        var leaseUntil: Date?
        var lastError: String?
        var retainUntil: Date?

        /// The conversation whose order this message keeps.
        var conversationKey: ConversationKey {
            ConversationKey(tenant: message.tenant, provider: message.target.provider, conversation: message.target.conversation)
        }

        /// Pending, leased or being sent: it blocks the later messages of its conversation.
        var isQueued: Bool { state == .pending || state == .leased || state == .sending }

        func isDue(at now: Date) -> Bool {
            switch state {
            case .pending: message.nextAttemptAt <= now
            case .leased: (leaseUntil ?? .distantPast) <= now
            case .sending, .dead, .failed: false
            }
        }

        static func precedes(_ lhs: OutboxEntry, _ rhs: OutboxEntry) -> Bool {
            lhs.message.precedes(rhs.message)
        }
    }

    struct InboxEntry: Sendable {
        var event: InboxEvent
        var state: QueueState = .pending
        var token: ClaimToken?
        var leaseUntil: Date?
        var lastError: String?
        var retainUntil: Date?

        func isDue(at now: Date) -> Bool {
            switch state {
            case .pending: event.nextAttemptAt <= now
            case .leased: (leaseUntil ?? .distantPast) <= now
            case .sending, .dead, .failed: false
            }
        }

        static func precedes(_ lhs: InboxEntry, _ rhs: InboxEntry) -> Bool {
            (lhs.event.receivedAt, lhs.event.id) < (rhs.event.receivedAt, rhs.event.id)
        }

        /// Whether this entry, rather than `other`, is its session's head: the leased one (a
        /// session has at most one; of several, as older runners could leave, the earliest),
        /// else the earliest pending one.
        func isHead(over other: InboxEntry) -> Bool {
            if state != other.state, state == .leased || other.state == .leased { return state == .leased }
            return Self.precedes(self, other)
        }

        var sessionKey: SessionKey { SessionKey(tenant: event.tenant, session: event.sessionKey) }
    }

    struct ConversationKey: Hashable, Sendable {
        var tenant: String
        var provider: String
        var conversation: String
    }

    struct SessionKey: Hashable, Sendable {
        var tenant: String
        var session: String
    }

    // MARK: - Inbox

    public func accept(_ acceptance: Acceptance, now: Date) throws(StoreError) -> [AcceptOutcome] {
        // Check first, then apply: nothing is written when a check fails.
        var seenKeys: Set<DedupeKey> = []
        var accepted: [Bool] = []
        var newEvents: Set<String> = []
        var newMessages: [OutboxMessage] = []
        var ticks: [TimerKey: Date] = [:]
        for entry in acceptance.entries {
            if let key = entry.dedupe {
                let live = dedupe[key]?.isLive(at: now) ?? false
                guard !live, seenKeys.insert(key).inserted else {
                    accepted.append(false)
                    continue
                }
            }
            if let tick = entry.timerTick {
                let key = TimerKey(tenant: tick.tenant, scheduleID: tick.scheduleID)
                guard let cursor = ticks[key] ?? timerCursors[key]?.lastTick, cursor < tick.at else {
                    accepted.append(false)
                    continue
                }
                ticks[key] = tick.at
            }
            guard inbox[entry.event.id] == nil, newEvents.insert(entry.event.id).inserted else {
                throw StoreError(.backend, "inbox event id \(entry.event.id) is already stored")
            }
            newMessages.append(contentsOf: entry.outbox)
            accepted.append(true)
        }
        try checkNewOutboxIDs(newMessages)

        // Sessions with an event waiting or running: only needed when leasing to the caller.
        var waiting =
            acceptance.leaseUntil == nil ? [] : Set(inbox.values.filter { $0.state == .pending || $0.state == .leased }.map(\.sessionKey))
        var outcomes: [AcceptOutcome] = []
        for (entry, isAccepted) in zip(acceptance.entries, accepted) {
            guard isAccepted else {
                outcomes.append(.duplicate)
                continue
            }
            let first = waiting.insert(SessionKey(tenant: entry.event.tenant, session: entry.event.sessionKey)).inserted
            if let key = entry.dedupe {
                dedupe[key] = .done(response: acceptance.response, retainUntil: acceptance.retainUntil)
            }
            var stored = InboxEntry(event: entry.event)
            var lease: InboxLease?
            if let leaseUntil = acceptance.leaseUntil, first {
                let token = ClaimToken.random()
                stored.event.attempts = 1
                stored.state = .leased
                stored.token = token
                stored.leaseUntil = leaseUntil
                lease = InboxLease(event: stored.event, token: token, leaseUntil: leaseUntil)
            }
            inbox[entry.event.id] = stored
            if let tick = entry.timerTick {
                let key = TimerKey(tenant: tick.tenant, scheduleID: tick.scheduleID)
                timerCursors[key]?.lastTick = tick.at
            }
            for message in entry.outbox {
                outbox[message.id] = OutboxEntry(message: message)
            }
            outcomes.append(.accepted(lease))
        }
        return outcomes
    }

    public func leaseInbox(now: Date, limit: Int, leaseUntil: Date) -> [InboxLease] {
        guard limit > 0 else { return [] }
        var heads: [SessionKey: InboxEntry] = [:]
        for entry in inbox.values where entry.state == .pending || entry.state == .leased {
            if let head = heads[entry.sessionKey], !entry.isHead(over: head) { continue }
            heads[entry.sessionKey] = entry
        }
        let due = heads.values.filter { $0.isDue(at: now) }.sorted(by: InboxEntry.precedes).prefix(limit)
        var leases: [InboxLease] = []
        for var entry in due {
            entry.event.attempts = entry.event.attempts == .max ? .max : entry.event.attempts + 1
            entry.state = .leased
            let token = ClaimToken.random()
            entry.token = token
            entry.leaseUntil = leaseUntil
            inbox[entry.event.id] = entry
            leases.append(InboxLease(event: entry.event, token: token, leaseUntil: leaseUntil))
        }
        return leases
    }

    @discardableResult
    public func releaseInbox(id: String, token: ClaimToken, retryAt: Date, error: String) -> Bool {
        guard var entry = inbox[id], entry.state == .leased, entry.token == token else { return false }
        entry.state = .pending
        entry.token = nil
        entry.leaseUntil = nil
        entry.event.nextAttemptAt = retryAt
        entry.event.attempts = max(0, entry.event.attempts - 1)
        entry.lastError = error
        inbox[id] = entry
        return true
    }

    /// Applies a checked inbox completion inside ``commit(_:)``.
    func complete(_ completion: RunCommit.InboxCompletion) {
        switch completion.outcome {
        case .done:
            inbox[completion.id] = nil
        case .failed(let error, let retainUntil):
            guard var entry = inbox[completion.id] else { return }
            entry.state = .failed
            entry.token = nil
            entry.leaseUntil = nil
            entry.lastError = error
            entry.retainUntil = retainUntil
            inbox[completion.id] = entry
        }
    }

    // MARK: - Outbox

    /// Throws `.backend` when an id is already queued or repeated.
    func checkNewOutboxIDs(_ messages: [OutboxMessage]) throws(StoreError) {
        var newIDs: Set<String> = []
        for message in messages {
            guard outbox[message.id] == nil, newIDs.insert(message.id).inserted else {
                throw StoreError(.backend, "outbox message id \(message.id) is already queued")
            }
        }
    }

    /// Leases the just-queued `messages` that are due and head their conversation (see
    /// ``RunnerStore/commit(_:)``).
    func leaseReplies(_ messages: [OutboxMessage], _ replyLease: RunCommit.ReplyLease) -> [OutboxLease] {
        var leases: [OutboxLease] = []
        let candidates = messages.compactMap { outbox[$0.id] }.sorted(by: OutboxEntry.precedes)
        for entry in candidates where leases.count < replyLease.limit && entry.message.isDueWhenCreated {
            let isHead = !outbox.values.contains { other in
                other.isQueued && other.conversationKey == entry.conversationKey && OutboxEntry.precedes(other, entry)
            }
            guard isHead else { continue }
            leases.append(lease(entry, until: replyLease.until))
        }
        return leases
    }

    /// Leases `entry` with a new token.
    private func lease(_ entry: OutboxEntry, until leaseUntil: Date) -> OutboxLease {
        var entry = entry
        let token = ClaimToken.random()
        entry.state = .leased
        entry.token = token
        entry.leaseUntil = leaseUntil
        outbox[entry.message.id] = entry
        return OutboxLease(message: entry.message, token: token, leaseUntil: leaseUntil)
    }

    public func leaseOutbox(_ request: OutboxLeaseRequest) -> OutboxLeaseBatch {
        var abandoned: [OutboxMessage] = []
        for (id, var entry) in outbox where entry.state == .sending && (entry.leaseUntil ?? .distantPast) <= request.now {
            entry.token = nil
            entry.leaseUntil = nil
            switch request.abandoned {
            case .deadLetter(let retainUntil):
                entry.state = .dead
                entry.lastError = DeadLetter.unknownOutcome
                entry.retainUntil = retainUntil
            case .resend:
                entry.state = .pending
                entry.message.nextAttemptAt = request.now
            }
            outbox[id] = entry
            abandoned.append(entry.message)
        }
        abandoned.sort { $0.precedes($1) }

        guard request.limit > 0 else { return OutboxLeaseBatch(abandoned: abandoned) }
        var heads: [ConversationKey: OutboxEntry] = [:]
        for entry in outbox.values where entry.isQueued {
            if let head = heads[entry.conversationKey], !OutboxEntry.precedes(entry, head) { continue }
            heads[entry.conversationKey] = entry
        }
        let due = heads.values
            .filter { $0.isDue(at: request.now) }
            .sorted(by: OutboxEntry.precedes)
        var taken: [String: Int] = [:]
        var leases: [OutboxLease] = []
        for entry in due where leases.count < request.limit {
            let tenant = entry.message.tenant
            guard taken[tenant, default: 0] < request.room(for: tenant) else { continue }
            taken[tenant, default: 0] += 1
            leases.append(lease(entry, until: request.leaseUntil))
        }
        return OutboxLeaseBatch(leases: leases, abandoned: abandoned)
    }

    public func startDelivery(_ lease: OutboxLease, now: Date) -> Bool {
        guard var entry = outbox[lease.id], entry.state == .leased, entry.token == lease.token,
            let leaseUntil = entry.leaseUntil, now < leaseUntil
        else { return false }
        entry.state = .sending
        entry.message.attempts = entry.message.attempts == .max ? .max : entry.message.attempts + 1
        outbox[lease.id] = entry
        return true
    }

    @discardableResult
    public func finishOutbox(_ lease: OutboxLease, outcome: OutboxOutcome, now: Date) -> Bool {
        guard var entry = outbox[lease.id], entry.state == .leased || entry.state == .sending, entry.token == lease.token else {
            return false
        }
        entry.token = nil
        entry.leaseUntil = nil
        switch outcome {
        case .delivered:
            outbox[lease.id] = nil
            return true
        case .retry(let at, let error):
            entry.state = .pending
            entry.message.nextAttemptAt = at
            entry.lastError = error
        case .deadLetter(let error, let retainUntil):
            entry.state = .dead
            entry.lastError = error
            entry.retainUntil = retainUntil
        case .postpone(let until):
            entry.state = .pending
            entry.message.nextAttemptAt = until
        }
        outbox[lease.id] = entry
        return true
    }

    public func deadLetters(tenant: String?, after: String?, limit: Int) -> DeadLetterPage {
        let letters = outbox.values
            .filter { entry in
                entry.state == .dead && (tenant == nil || entry.message.tenant == tenant) && (after.map { entry.message.id > $0 } ?? true)
            }
            .sorted { $0.message.id < $1.message.id }
        let page = letters.prefix(max(0, limit)).map { entry in
            DeadLetter(message: entry.message, error: entry.lastError ?? "", retainUntil: entry.retainUntil ?? .distantFuture)
        }
        return DeadLetterPage(letters: page, next: letters.count > page.count ? page.last?.message.id : nil)
    }

    @discardableResult
    public func replayDeadLetter(id: String, tenant: String?, now: Date) -> Bool {
        guard var entry = outbox[id], entry.state == .dead, tenant == nil || entry.message.tenant == tenant else { return false }
        entry.state = .pending
        entry.message.attempts = 0
        entry.message.nextAttemptAt = now
        entry.retainUntil = nil
        outbox[id] = entry
        return true
    }

    public func queueCounts() -> (outbox: OutboxCounts, inbox: InboxCounts) {
        var outboxCounts = OutboxCounts()
        for entry in outbox.values {
            switch entry.state {
            case .pending: outboxCounts.pending += 1
            case .leased, .sending: outboxCounts.inFlight += 1
            case .dead, .failed: outboxCounts.dead += 1
            }
        }
        var inboxCounts = InboxCounts()
        for entry in inbox.values {
            switch entry.state {
            case .pending: inboxCounts.pending += 1
            case .leased, .sending: inboxCounts.inFlight += 1
            case .dead, .failed: inboxCounts.failed += 1
            }
        }
        return (outboxCounts, inboxCounts)
    }
}
