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
    /// Where replies go through the provider's API; `nil` when the HTTP response is the reply.
    public var reply: ReplyTarget?
    /// Messages sent at once with the event, whatever the flow does (Telegram's
    /// `answerCallbackQuery`), to ``reply``.
    public var acknowledgements: [OutboundMessage]
    /// The normalised request path the tenant's webhook path policy applies to, when it applies.
    public var policyPath: String?

    public init(
        provider: String,
        input: JSONValue,
        sessionKey: String,
        flow: FlowSelector,
        dedupe: DedupeID? = nil,
        reply: ReplyTarget? = nil,
        acknowledgements: [OutboundMessage] = [],
        policyPath: String? = nil
    ) {
        self.provider = provider
        self.input = input
        self.sessionKey = sessionKey
        self.flow = flow
        self.dedupe = dedupe
        self.reply = reply
        self.acknowledgements = acknowledgements
        self.policyPath = policyPath
    }
}
