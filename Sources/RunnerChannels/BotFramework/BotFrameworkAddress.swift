public import RunnerIngress

/// Where a Bot Framework reply goes (Teams, WebChat with a `serviceUrl`): the connector of the
/// activity's `serviceUrl`, its conversation, and the activity it answers.
public struct BotFrameworkAddress: ReplyAddress {
    public var serviceURL: String
    public var conversationID: String
    /// The incoming activity's id: the reply is posted as an answer to it.
    public var activityID: String?
    /// The bot (the incoming `recipient`) and the user (`from`).
    public var bot: Account?
    public var user: Account?

    public struct Account: Codable, Hashable, Sendable {
        public var id: String
        public var name: String?

        public init(id: String, name: String? = nil) {
            self.id = id
            self.name = name
        }
    }

    public init(serviceURL: String, conversationID: String, activityID: String?, bot: Account?, user: Account?) {
        self.serviceURL = serviceURL
        self.conversationID = conversationID
        self.activityID = activityID
        self.bot = bot
        self.user = user
    }

    public var conversation: String { conversationID }

    private enum CodingKeys: String, CodingKey {
        case serviceURL = "service_url"
        case conversationID = "conversation_id"
        case activityID = "activity_id"
        case bot, user
    }
}
