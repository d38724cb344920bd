public import RunnerCore

/// Turns one provider's HTTP requests into canonical events: the ingress half of a ``Channel``.
///
/// An adapter verifies (signatures, tokens), parses and normalises. Its credentials come with
/// each request (``IngressRequest/credentials``, resolved for the request's tenant) and its
/// clock and key material from its initializer, never from the environment. It is `async` only
/// so verification may consult cached key material (Teams' JWT signing keys).
public protocol IngressAdapter: Sendable {
    /// The provider name used in the canonical payload and session keys (e.g. `telegram`).
    var provider: String { get }

    /// Verifies and normalises a request.
    ///
    /// - Throws: ``IngressError`` for requests to refuse (mapped to a 4xx at the edge).
    func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult

    /// The HTTP answer once a ``IngressResult/run(_:)`` event's flow ran (or failed).
    func response(for outcome: DispatchOutcome) -> IngressResponse
}

/// What happened to an event run inside its request, for the adapter to turn into its answer.
public enum DispatchOutcome: Sendable {
    /// The flow completed or paused; `output` is the flow's output.
    case ran(output: JSONValue)
    /// The flow failed; the message is for logs, never for the client.
    case flowFailed(String)
}

extension IngressAdapter {
    /// By default: 200 with the flow output as JSON; 500 when the flow failed.
    public func response(for outcome: DispatchOutcome) -> IngressResponse {
        switch outcome {
        case .ran(let output): .json(200, output)
        case .flowFailed: .error(500, "the flow failed")
        }
    }
}
