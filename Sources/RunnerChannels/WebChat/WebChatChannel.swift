public import RunnerIngress

/// WebChat: activities in with the tenant's bearer token, replies inline; or from the Bot
/// Framework's Web Chat channel with its JWT, replies through that connector.
public struct WebChatChannel: Channel {
    public let provider = "webchat"
    private let sender: BotFrameworkSender
    private let keys: BotFrameworkKeys

    public init(client: ProviderHTTPClient, keys: BotFrameworkKeys, tokens: BotFrameworkTokens) {
        self.sender = BotFrameworkSender(client: client, tokens: tokens)
        self.keys = keys
    }

    public var routes: [ChannelRoute] { [ChannelRoute("/webchat/activities", adapter: WebChatAdapter(keys: keys))] }

    public var requiredCredentials: [String] { ["WEBCHAT_TOKEN"] }
    /// The app's id and password are read for Direct Line activities, replied through the connector.
    public var credentialNames: [String] { ["WEBCHAT_TOKEN", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"] }

    public func send(_ message: OutboundMessage, to address: BotFrameworkAddress, context: DeliveryContext) async throws(DeliveryError) {
        try await sender.send(message, to: address, context: context, provider: "WebChat")
    }
}
