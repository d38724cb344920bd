/// What a dedupe key records at a moment, when it is live (see ``RunnerStore/loadRun(_:scope:dedupe:now:)``).
public enum DedupeState: Hashable, Sendable {
    /// A holder claimed the event and its lease has not expired.
    case inProgress
    /// The event was processed; here is the answer that was given.
    case completed(StoredResponse)
}
