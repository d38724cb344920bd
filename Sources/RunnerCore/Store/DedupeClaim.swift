/// The outcome of ``RunnerStore/claim(_:leaseUntil:now:)``.
public enum DedupeClaim: Hashable, Sendable {
    /// The caller owns the event now and must commit or release it.
    case claimed(ClaimToken)
    /// Another request is processing the event and its lease has not expired.
    case inProgress
    /// The event was processed; here is the answer that was given.
    case completed(StoredResponse)
}
