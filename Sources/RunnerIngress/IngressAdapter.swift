public import RunnerCore

/// Turns one provider's HTTP requests into canonical events — the extension point for new
/// channels.
///
/// An adapter verifies (signatures, tokens), parses and normalises; it performs no I/O and
/// holds its secrets, clock and key material from its initializer, never from the
/// environment. It is `async` only so verification may consult cached key material.
///
/// To add a channel, implement this protocol and register the adapter on the host's
/// configuration with a route path; the host resolves the tenant, dedupes, runs the flow and
/// answers with ``response(for:)``.
public protocol IngressAdapter: Sendable {
    /// The provider name used in the canonical payload and session keys (e.g. `telegram`).
    var provider: String { get }

    /// Verifies and normalises a request.
    ///
    /// - Throws: ``IngressError`` for requests to refuse (mapped to a 4xx at the edge).
    func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult

    /// The HTTP answer once the flow ran (or failed).
    func response(for outcome: DispatchOutcome) -> IngressResponse

    /// The messages to deliver through the provider's API for a flow output, each queued in
    /// the durable outbox with the event's reply address. Empty when the HTTP response is
    /// the reply (the default).
    func replies(for output: JSONValue) -> [JSONValue]
}

/// What happened to an event, for the adapter to turn into its HTTP answer.
public enum DispatchOutcome: Sendable {
    /// The flow completed or paused; `output` is the flow's output; `replies` counts the
    /// messages queued for delivery through the provider's API.
    case ran(output: JSONValue, replies: Int)
    /// The flow failed.
    case flowFailed(String)
}

extension IngressAdapter {
    public func replies(for output: JSONValue) -> [JSONValue] { [] }

    /// By default: 200 with the flow output as JSON; 500 when the flow failed.
    public func response(for outcome: DispatchOutcome) -> IngressResponse {
        switch outcome {
        case .ran(let output, _): .json(200, output)
        case .flowFailed(let message): .error(500, message)
        }
    }
}
