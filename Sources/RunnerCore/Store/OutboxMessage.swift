public import Foundation

/// A reply waiting to be delivered through a provider's API.
///
/// Written by ``RunnerStore/commit(_:)`` in the same transaction as the conversation it came
/// from (or by ``RunnerStore/accept(_:now:)`` with the event that needs it at once), so a reply
/// is never lost once its event was acknowledged, and never produced twice: a delivery that
/// fails is retried from the outbox, not by running the flow again.
public struct OutboxMessage: Sendable, Hashable {
    /// Unique id; also the idempotency handle for the delivery.
    public var id: String
    public var tenant: String
    /// The provider API, conversation and address it goes to.
    public var target: ReplyTarget
    /// The message itself, in the channel's canonical reply shape (e.g. `{"text": "hi"}`).
    public var message: JSONValue
    public var createdAt: Date
    /// Order among the messages of one run.
    public var sequence: Int
    /// Delivery attempts so far: sends that were really started.
    public var attempts: Int
    /// When the message is next due.
    public var nextAttemptAt: Date

    public init(
        id: String,
        tenant: String,
        target: ReplyTarget,
        message: JSONValue,
        createdAt: Date,
        sequence: Int,
        attempts: Int = 0,
        nextAttemptAt: Date? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.target = target
        self.message = message
        self.createdAt = createdAt
        self.sequence = sequence
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
    }

    /// The provider whose API delivers it.
    public var provider: String { target.provider }

    /// Delivery order: creation time, then sequence, then id.
    public func precedes(_ other: OutboxMessage) -> Bool {
        (createdAt, sequence, id) < (other.createdAt, other.sequence, other.id)
    }

    /// Whether it may go as soon as it is queued (not retried or postponed from the start):
    /// only such replies are leased in their run's commit (``RunCommit/replyLease``).
    public var isDueWhenCreated: Bool { nextAttemptAt <= createdAt }
}

/// How a leased outbox message's turn ended (``RunnerStore/finishOutbox(_:outcome:now:)``).
public enum OutboxOutcome: Sendable, Hashable {
    /// Delivered; the message is removed.
    case delivered
    /// The send failed and may succeed later: due again at `at`.
    case retry(at: Date, error: String)
    /// Failed for good (or too many attempts): kept as a dead letter until `retainUntil`.
    case deadLetter(error: String, retainUntil: Date)
    /// Not tried (a rate limit, or a concurrency cap): due again at `until`, no attempt counted.
    case postpone(until: Date)
}
