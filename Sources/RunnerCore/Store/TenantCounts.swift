/// What one tenant has in the store (``RunnerStore/tenantCounts(now:)``).
public struct TenantCounts: Sendable, Hashable {
    /// Conversations paused at `now` (live resume records).
    public var pausedSessions: Int
    /// Replies waiting or being sent.
    public var outboxPending: Int
    /// Replies dead-lettered.
    public var outboxDead: Int

    public init(pausedSessions: Int = 0, outboxPending: Int = 0, outboxDead: Int = 0) {
        self.pausedSessions = pausedSessions
        self.outboxPending = outboxPending
        self.outboxDead = outboxDead
    }
}
