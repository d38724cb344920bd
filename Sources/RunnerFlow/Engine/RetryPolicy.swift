/// How transient component errors are retried (bindings `retry`).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per component call, the first included (at least 1).
    public var maxAttempts: Int
    /// Delay before the second attempt; doubled for each later one.
    public var baseDelayMs: Int

    public init(maxAttempts: Int = 3, baseDelayMs: Int = 250) {
        self.maxAttempts = min(max(1, maxAttempts), 100)
        self.baseDelayMs = min(max(0, baseDelayMs), 3_600_000)
    }
}
