/// A page of a tenant's paused conversations (``RunnerStore/pausedSessions(tenant:after:limit:now:)``).
public struct PausedSessionPage: Sendable, Hashable {
    /// Where a page starts: after this session key and flow id.
    public struct Cursor: Sendable, Hashable {
        public var sessionKey: String
        public var flowID: String

        public init(sessionKey: String, flowID: String) {
            self.sessionKey = sessionKey
            self.flowID = flowID
        }
    }

    /// The resume records, ordered by session key, then flow id.
    public var sessions: [ResumeRecord]
    /// The cursor of the next page; `nil` on the last one.
    public var next: Cursor?

    public init(sessions: [ResumeRecord], next: Cursor?) {
        self.sessions = sessions
        self.next = next
    }
}
