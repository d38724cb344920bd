public import RunnerIngress

/// Where a Slack reply goes: a channel (or a user's DM), in a thread when the message was in one.
public struct SlackAddress: ReplyAddress {
    public var channel: String
    public var threadTS: String?

    public init(channel: String, threadTS: String? = nil) {
        self.channel = channel
        self.threadTS = threadTS
    }

    /// Slack's limit is about one message a second per channel, so the channel is the key.
    public var conversation: String { channel }

    private enum CodingKeys: String, CodingKey {
        case channel
        case threadTS = "thread_ts"
    }
}
