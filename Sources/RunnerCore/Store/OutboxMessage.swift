public import Foundation

/// A reply waiting to be delivered through a provider's API.
///
/// Written by ``RunnerStore/commit(_:)`` in the same transaction as the conversation it came
/// from, so a reply is never lost once its event was acknowledged, and never produced twice:
/// a delivery that fails is retried from the outbox, not by running the flow again.
public struct OutboxMessage: Sendable, Hashable {
    /// Unique id; also the idempotency handle for the delivery.
    public var id: String
    public var tenant: String
    /// The provider whose API delivers it (e.g. `telegram`).
    public var provider: String
    /// Where it goes, in the provider's terms (e.g. `{"chat_id": 42}`).
    public var address: JSONValue
    /// The message itself (e.g. `{"text": "hi"}`).
    public var message: JSONValue
    public var createdAt: Date
    /// Order among the messages of one run.
    public var sequence: Int
    /// Delivery attempts so far.
    public var attempts: Int
    /// When the message is next due (or when its current lease expires).
    public var nextAttemptAt: Date

    public init(
        id: String,
        tenant: String,
        provider: String,
        address: JSONValue,
        message: JSONValue,
        createdAt: Date,
        sequence: Int,
        attempts: Int = 0,
        nextAttemptAt: Date? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.provider = provider
        self.address = address
        self.message = message
        self.createdAt = createdAt
        self.sequence = sequence
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
    }
}

/// How a delivery attempt ended.
public enum OutboxOutcome: Sendable, Hashable {
    /// Delivered; the message is removed.
    case delivered
    /// Failed transiently; try again at the given time.
    case retry(at: Date, error: String)
    /// Failed for good (or too many attempts); kept as a dead letter for inspection.
    case deadLetter(error: String)
}
