public import RunnerCore

/// The provider-side identifiers of a message (`provider_ids` in the canonical payload).
/// Only the ids that are set are written.
public struct ProviderIDs: Sendable, Hashable {
    public var teamID: String?
    public var workspaceID: String?
    public var conversationID: String?
    public var threadID: String?
    public var channelID: String?
    public var userID: String?
    public var messageID: String?
    public var eventID: String?

    public init(
        teamID: String? = nil,
        workspaceID: String? = nil,
        conversationID: String? = nil,
        threadID: String? = nil,
        channelID: String? = nil,
        userID: String? = nil,
        messageID: String? = nil,
        eventID: String? = nil
    ) {
        self.teamID = teamID
        self.workspaceID = workspaceID
        self.conversationID = conversationID
        self.threadID = threadID
        self.channelID = channelID
        self.userID = userID
        self.messageID = messageID
        self.eventID = eventID
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        let pairs: [(String, String?)] = [
            ("team_id", teamID), ("workspace_id", workspaceID), ("conversation_id", conversationID), ("thread_id", threadID),
            ("channel_id", channelID), ("user_id", userID), ("message_id", messageID), ("event_id", eventID),
        ]
        for (key, value) in pairs {
            if let value { members[key] = .string(value) }
        }
        return .object(members)
    }

    /// The canonical session key `{tenant}:{provider}:{anchor}:{user}` (reference §8.2): the
    /// anchor is the thread, else the conversation, else the channel, else the user, else
    /// `conversation`; the user is the user id, else `user`.
    public func sessionKey(tenant: String, provider: String) -> String {
        let anchor = threadID ?? conversationID ?? channelID ?? userID ?? "conversation"
        return "\(tenant):\(provider):\(anchor):\(userID ?? "user")"
    }
}
