public import RunnerCore

/// What an adapter made of a request: an event to run a flow for, or an immediate answer
/// (a handshake such as Slack's `url_verification`, or "nothing to do").
public enum IngressResult: Sendable {
    case event(IngressEvent)
    case respond(IngressResponse)
}

/// Which flow of the tenant an event runs.
public enum FlowSelector: Sendable, Hashable {
    /// The first flow of this type (reference §8.3: messaging adapters pick the messaging flow).
    case firstOfType(String)
    /// This flow id; when `requiredType` is set the flow must have that type (409 otherwise).
    case id(String, requiredType: String?)
}

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

    public init(provider: String, input: JSONValue, sessionKey: String, flow: FlowSelector, dedupe: DedupeID? = nil, replyAddress: JSONValue? = nil) {
        self.provider = provider
        self.input = input
        self.sessionKey = sessionKey
        self.flow = flow
        self.dedupe = dedupe
        self.replyAddress = replyAddress
    }
}

/// A dedupe identity without the tenant (the host adds it).
public struct DedupeID: Sendable, Hashable {
    public var namespace: String
    public var id: String

    public init(namespace: String, id: String) {
        self.namespace = namespace
        self.id = id
    }
}

/// An HTTP answer in framework-free terms. It is the store's ``StoredResponse``: the answer an
/// adapter gives is exactly what dedupe records and replays.
public typealias IngressResponse = StoredResponse

extension StoredResponse {
    /// A JSON response.
    public static func json(_ status: Int, _ value: JSONValue) -> StoredResponse {
        StoredResponse(status: status, headers: ["content-type": "application/json"], body: value.serializedBytes())
    }

    /// The error body every route uses: `{"error": message}`.
    public static func error(_ status: Int, _ message: String) -> StoredResponse {
        json(status, .object(["error": .string(message)]))
    }
}
