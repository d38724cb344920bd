public import RunnerIngress

/// Microsoft Teams: activities in (JWT-verified), replies out through the Bot Framework
/// connector of the activity's `serviceUrl`, as answers to the incoming activity.
public struct TeamsChannel: Channel {
    public let provider = "teams"
    private let keys: BotFrameworkKeys
    private let sender: BotFrameworkSender

    /// - Parameters:
    ///   - keys: the signing keys (`BOTFRAMEWORK_OPENID_METADATA_URL`), shared with WebChat.
    ///   - tokens: reply tokens (`BOTFRAMEWORK_TOKEN_URL`), shared with WebChat.
    public init(client: ProviderHTTPClient, keys: BotFrameworkKeys, tokens: BotFrameworkTokens) {
        self.keys = keys
        self.sender = BotFrameworkSender(client: client, tokens: tokens)
    }

    public var routes: [ChannelRoute] { [ChannelRoute("/teams/activities", adapter: TeamsAdapter(keys: keys))] }

    public var requiredCredentials: [String] { ["MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"] }

    public func send(_ message: OutboundMessage, to address: BotFrameworkAddress, context: DeliveryContext) async throws(DeliveryError) {
        try await sender.send(message, to: address, context: context, provider: "Teams")
    }
}
