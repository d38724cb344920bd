public import Foundation

/// An event acknowledged to its provider and waiting to run (ack-then-run channels).
///
/// Written by ``RunnerStore/accept(_:now:)`` together with its dedupe record, so once the
/// provider got its 2xx the event is never lost (a crash leaves it here for the next holder)
/// and never run twice (the run's commit completes it, fenced by the lease token).
public struct InboxEvent: Sendable, Hashable {
    /// Unique id.
    public var id: String
    public var tenant: String
    public var provider: String
    /// The canonical session key: a session's events run one after another, in arrival order.
    public var sessionKey: String
    /// The flow it runs.
    public var flowID: String
    /// The flow's input (the canonical payload).
    public var input: JSONValue
    /// Where replies go; `nil` when the event has no reply channel.
    public var reply: ReplyTarget?
    public var receivedAt: Date
    /// Leases that may have run it: a lease given back with a release does not count.
    public var attempts: Int
    /// When it is next due.
    public var nextAttemptAt: Date

    public init(
        id: String,
        tenant: String,
        provider: String,
        sessionKey: String,
        flowID: String,
        input: JSONValue,
        reply: ReplyTarget?,
        receivedAt: Date,
        attempts: Int = 0,
        nextAttemptAt: Date? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.provider = provider
        self.sessionKey = sessionKey
        self.flowID = flowID
        self.input = input
        self.reply = reply
        self.receivedAt = receivedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? receivedAt
    }
}

/// An inbox event leased to a runner, with the token that fences the lease.
public struct InboxLease: Sendable, Hashable {
    public var event: InboxEvent
    public var token: ClaimToken
    public var leaseUntil: Date

    public init(event: InboxEvent, token: ClaimToken, leaseUntil: Date) {
        self.event = event
        self.token = token
        self.leaseUntil = leaseUntil
    }
}

/// Events to acknowledge, recorded in one transaction by ``RunnerStore/accept(_:now:)``.
public struct Acceptance: Sendable, Hashable {
    /// One event and what is recorded with it.
    public struct Entry: Sendable, Hashable {
        public var event: InboxEvent
        /// The provider's event id: a redelivery is a duplicate while it is retained.
        public var dedupe: DedupeKey?
        /// Sent at once, whatever the flow does (e.g. Telegram's `answerCallbackQuery`).
        public var outbox: [OutboxMessage]
        /// The timer tick this event runs: the entry is a duplicate unless the schedule's cursor
        /// (``RunnerStore/timerCursor(tenant:scheduleID:spec:now:)``) is before the tick, and
        /// accepting it moves the cursor to the tick.
        public var timerTick: TimerTick?

        public init(event: InboxEvent, dedupe: DedupeKey?, outbox: [OutboxMessage] = [], timerTick: TimerTick? = nil) {
            self.event = event
            self.dedupe = dedupe
            self.outbox = outbox
            self.timerTick = timerTick
        }
    }

    public var entries: [Entry]
    /// The answer recorded for redeliveries of these events.
    public var response: StoredResponse
    /// How long the dedupe records are kept.
    public var retainUntil: Date
    /// When set, the accepted events are leased to the caller until then (it runs them
    /// itself); otherwise they wait for ``RunnerStore/leaseInbox(now:limit:leaseUntil:)``.
    public var leaseUntil: Date?

    public init(entries: [Entry], response: StoredResponse, retainUntil: Date, leaseUntil: Date? = nil) {
        self.entries = entries
        self.response = response
        self.retainUntil = retainUntil
        self.leaseUntil = leaseUntil
    }
}

/// What ``RunnerStore/accept(_:now:)`` did with one entry.
public enum AcceptOutcome: Sendable, Hashable {
    /// Recorded; leased to the caller when the acceptance asked for it.
    case accepted(InboxLease?)
    /// Its dedupe key is already recorded (a redelivery): nothing was written for it.
    case duplicate
}

/// How many events the inbox holds, by state.
public struct InboxCounts: Sendable, Hashable {
    public var pending: Int
    public var inFlight: Int
    /// Events whose flow failed (or that could not run), kept for inspection until purged.
    public var failed: Int

    public init(pending: Int = 0, inFlight: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.inFlight = inFlight
        self.failed = failed
    }
}
