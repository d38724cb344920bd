public import RunnerCore

/// What an adapter made of a request.
public enum IngressResult: Sendable {
    /// Answer at once, no flow runs (a handshake such as Slack's `url_verification`, an
    /// ignored event type, "nothing to do").
    case respond(IngressResponse)
    /// Run the flow inside the request and answer with the adapter's ``IngressAdapter/response(for:)``
    /// (the generic webhook: the flow output is the HTTP response).
    case run(IngressEvent)
    /// Acknowledge: record the events durably (with their dedupe ids), answer `answer`, and run
    /// them afterwards (chat providers, which retry slow answers). A batch (WhatsApp) is recorded
    /// in one transaction.
    case accept([IngressEvent], answer: IngressResponse)
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
