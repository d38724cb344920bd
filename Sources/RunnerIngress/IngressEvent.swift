public import RunnerCore

/// One inbound event, normalised.
public struct IngressEvent: Sendable {
    public var provider: String
    /// The flow's `input`: the canonical payload for chat providers.
    public var input: JSONValue
    /// The canonical session key: where conversations pause and resume.
    public var sessionKey: String
    public var flow: FlowSelector
    /// The provider's event id, recorded so a redelivery never runs the flow twice.
    public var dedupe: DedupeID?
    /// Where replies go, in the provider's terms (e.g. `{"chat_id": 42}` for Telegram);
    /// `nil` when the HTTP response is the reply.
    public var replyAddress: JSONValue?

    public init(
        provider: String,
        input: JSONValue,
        sessionKey: String,
        flow: FlowSelector,
        dedupe: DedupeID? = nil,
        replyAddress: JSONValue? = nil
    ) {
        self.provider = provider
        self.input = input
        self.sessionKey = sessionKey
        self.flow = flow
        self.dedupe = dedupe
        self.replyAddress = replyAddress
    }
}
