public import RunnerCore

/// What an adapter made of a request: an event to run a flow for, or an immediate answer
/// (a handshake such as Slack's `url_verification`, or "nothing to do").
public enum IngressResult: Sendable {
    case event(IngressEvent)
    case respond(IngressResponse)
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
