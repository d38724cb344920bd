public import RunnerCore

/// One provider, end to end: its ingress routes, its typed reply address and how replies are
/// sent through its API.
///
/// The host serves every channel in its ``ChannelRegistry`` the same way: it resolves the
/// tenant, hands the request to the route's ``IngressAdapter``, records accepted events, runs
/// the flow, turns the output into ``OutboundMessage``s and queues them in the durable outbox
/// with the event's ``ReplyTarget``; the outbox dispatcher later calls ``send(_:to:context:)``
/// with the address decoded back into ``Address``. An embedding application adds its own
/// provider by conforming a type to `Channel` and passing it to the host.
///
/// A channel holds its HTTP client and clock from its initializer; credentials come with each
/// call, resolved for the tenant at hand.
public protocol Channel: Sendable {
    /// The channel's reply address.
    associatedtype Address: ReplyAddress

    /// The provider name (`slack`): canonical payloads, dedupe namespaces and outbox rows use it.
    var provider: String { get }

    /// The HTTP routes the channel serves.
    var routes: [ChannelRoute] { get }

    /// The credentials a tenant that uses this channel must have; the host warns at startup
    /// for each one missing.
    var requiredCredentials: [String] { get }

    /// Every credential the channel reads, required or optional (default: the required ones).
    /// The host resolves exactly these for a tenant before calling the channel, so a name
    /// missing here reads as unset.
    var credentialNames: [String] { get }

    /// Completes an accepted event's flow input before the flow runs, after the
    /// acknowledgement (Webex: fetch the message text the notification only names).
    ///
    /// - Throws: ``PrepareError``; a transient one makes the event wait and try again.
    func prepare(_ input: JSONValue, context: PrepareContext) async throws(PrepareError) -> PreparedInput

    /// Splits a reply into messages that each take exactly one API call, so a failure never
    /// makes a part that was delivered go out again.
    func deliverable(_ message: OutboundMessage) -> [OutboundMessage]

    /// The per-conversation rate limit of `address`; `nil` for the tenant's default.
    func conversationLimit(for address: Address) -> RateLimit?

    /// Sends one message with one API call.
    ///
    /// - Throws: ``DeliveryError`` saying whether a retry can help, or that the outcome is
    ///   unknown (the request went out and no answer came back).
    func send(_ message: OutboundMessage, to address: Address, context: DeliveryContext) async throws(DeliveryError)
}

extension Channel {
    public var credentialNames: [String] { requiredCredentials }

    public func prepare(_ input: JSONValue, context: PrepareContext) async throws(PrepareError) -> PreparedInput {
        .run(input)
    }

    public func deliverable(_ message: OutboundMessage) -> [OutboundMessage] { [message] }

    public func conversationLimit(for address: Address) -> RateLimit? { nil }
}

extension Channel where Address == NoReplyAddress {
    /// Never called: there is no value of ``NoReplyAddress``.
    public func send(_ message: OutboundMessage, to address: Address, context: DeliveryContext) async throws(DeliveryError) {}
}

/// An HTTP route of a channel.
public struct ChannelRoute: Sendable {
    /// The path, e.g. `/slack/events`; `{name}` segments become ``IngressRequest/pathParameters``.
    public var path: String
    /// Upper-case HTTP methods (default `POST`).
    public var methods: [String]
    public var adapter: any IngressAdapter

    public init(_ path: String, methods: [String] = ["POST"], adapter: any IngressAdapter) {
        self.path = path
        self.methods = methods
        self.adapter = adapter
    }
}

/// What ``Channel/prepare(_:context:)`` knows.
public struct PrepareContext: Sendable {
    public var tenant: String
    public var credentials: ChannelCredentials

    public init(tenant: String, credentials: ChannelCredentials) {
        self.tenant = tenant
        self.credentials = credentials
    }
}

/// The outcome of ``Channel/prepare(_:context:)``.
public enum PreparedInput: Sendable, Hashable {
    /// Run the flow with this input.
    case run(JSONValue)
    /// Do not run a flow (the bot's own message, a deleted message); the reason is logged.
    case skip(String)
}

/// Why an accepted event could not be prepared.
public struct PrepareError: Error, Sendable, CustomStringConvertible {
    /// Whether waiting can help (the provider API was unavailable).
    public var isTransient: Bool
    public var message: String
    /// The provider's `Retry-After`, in seconds.
    public var retryAfterSeconds: Double?

    public init(transient: Bool, _ message: String, retryAfterSeconds: Double? = nil) {
        self.isTransient = transient
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { message }
}
