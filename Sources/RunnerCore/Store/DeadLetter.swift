public import Foundation

/// An outbox message that will not be delivered without an operator: too many attempts, a
/// permanent error, or an unknown outcome.
public struct DeadLetter: Sendable, Hashable {
    public var message: OutboxMessage
    /// Why the last attempt failed.
    public var error: String
    /// When the dead letter is purged.
    public var retainUntil: Date

    public init(message: OutboxMessage, error: String, retainUntil: Date) {
        self.message = message
        self.error = error
        self.retainUntil = retainUntil
    }

    /// The error of a send whose holder's lease ran out mid-send (``OutboxLeaseRequest/AbandonedSends/deadLetter(retainUntil:)``).
    public static let unknownOutcome =
        "delivery outcome unknown: the runner stopped after starting the send and before recording its result; replay it if the recipient did not get it"
}

/// One page of ``RunnerStore/deadLetters(tenant:after:limit:)``, ordered by message id.
public struct DeadLetterPage: Sendable, Hashable {
    public var letters: [DeadLetter]
    /// The cursor of the next page (`after:`), `nil` on the last page.
    public var next: String?

    public init(letters: [DeadLetter], next: String?) {
        self.letters = letters
        self.next = next
    }
}

/// How many messages the outbox holds, by state.
public struct OutboxCounts: Sendable, Hashable {
    /// Waiting (due or not yet due).
    public var pending: Int
    /// Leased or being sent.
    public var inFlight: Int
    public var dead: Int

    public init(pending: Int = 0, inFlight: Int = 0, dead: Int = 0) {
        self.pending = pending
        self.inFlight = inFlight
        self.dead = dead
    }
}
