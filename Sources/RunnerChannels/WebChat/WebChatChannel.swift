public import RunnerIngress

/// WebChat: activities in with the tenant's bearer token; replies inline, or through the Bot
/// Framework connector when the activity names a `serviceUrl`.
public struct WebChatChannel: Channel {
    public let provider = "webchat"
    private let sender: BotFrameworkSender

    public init(client: ProviderHTTPClient, tokens: BotFrameworkTokens) {
        self.sender = BotFrameworkSender(client: client, tokens: tokens)
    }

    public var routes: [ChannelRoute] { [ChannelRoute("/webchat/activities", adapter: WebChatAdapter())] }

    public var requiredCredentials: [String] { ["WEBCHAT_TOKEN"] }

    public func send(_ message: OutboundMessage, to address: BotFrameworkAddress, context: DeliveryContext) async throws(DeliveryError) {
        try await sender.send(message, to: address, context: context, provider: "WebChat")
    }
}
