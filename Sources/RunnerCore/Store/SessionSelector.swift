/// Which sessions of a tenant an erasure removes (``RunnerStore/eraseSessions(tenant:_:)``).
public enum SessionSelector: Sendable, Hashable {
    /// The session with exactly this canonical key.
    case key(String)
    /// Every session of one user: the canonical keys ending in `:<user>` (the key's last
    /// segment is its user, reference §9.1). A user id that is itself the `:`-suffix of another
    /// (`abc` and `29:abc`) selects both users' sessions.
    case user(String)

    /// Whether `sessionKey` is selected.
    public func matches(_ sessionKey: String) -> Bool {
        switch self {
        case .key(let key): sessionKey == key
        case .user(let user): sessionKey.count > user.count + 1 && sessionKey.hasSuffix(":" + user)
        }
    }
}

/// What an erasure removed.
public struct SessionErasure: Sendable, Hashable {
    /// Resume records (paused conversations) deleted.
    public var resumeRecords: Int
    /// Component state scopes (one per pack and session) emptied.
    public var stateScopes: Int

    public init(resumeRecords: Int = 0, stateScopes: Int = 0) {
        self.resumeRecords = resumeRecords
        self.stateScopes = stateScopes
    }
}
