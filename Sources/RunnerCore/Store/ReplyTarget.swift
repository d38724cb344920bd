/// Where the replies to an event go: a provider's API and the provider's own address.
///
/// `address` is the channel's typed address, encoded as JSON (the store keeps it opaque; the
/// channel decodes it back into its own type when it sends). `conversation` is the address's
/// ordering key: the replies of one conversation are delivered in order and share its rate
/// limit (a Telegram chat, a Slack channel or thread, a Teams conversation).
public struct ReplyTarget: Sendable, Hashable {
    /// The channel that delivers, e.g. `telegram`.
    public var provider: String
    /// Replies with the same provider and conversation are delivered one after another.
    public var conversation: String
    /// The channel's address, as JSON.
    public var address: JSONValue

    public init(provider: String, conversation: String, address: JSONValue) {
        self.provider = provider
        self.conversation = conversation
        self.address = address
    }
}
