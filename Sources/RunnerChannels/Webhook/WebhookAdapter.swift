public import RunnerCore
public import RunnerIngress

/// The generic webhook: `ANY /webhook/{flow_id}` (reference §8.4, with the route syntax fixed).
///
/// The flow's input is the normalised request; its output becomes the HTTP response. An
/// `Idempotency-Key` header makes retries replay the first response instead of running the
/// flow again.
///
/// Sessions: `X-Greentic-Session` names the caller's conversation, which pauses and resumes per
/// caller: the session key is `{tenant}:webhook:{flow_id}:{value}`. Without it, the
/// original's rule stands: the `Idempotency-Key` is the session, else one session per path.
/// Checks that need the tenant's flows and bindings (flow exists, is a webhook flow, path
/// policy on `/webhook/{flow_id}`) are done by the host before the flow runs.
public struct WebhookAdapter: IngressAdapter {
    public let provider = "webhook"

    /// The header that names the caller's session.
    public static let sessionHeader = "x-greentic-session"

    public init() {}

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        guard let flowID = request.pathParameters["flow_id"], !flowID.isEmpty else {
            throw IngressError(.notFound, "flow not found")
        }
        let idempotencyKey = request.header("idempotency-key").flatMap { $0.isEmpty ? nil : $0 }
        let session = request.header(Self.sessionHeader).flatMap { $0.isEmpty ? nil : $0 }
        let sessionKey: String
        if let session {
            guard session.utf8.count <= 256 else { throw IngressError(.badRequest, "X-Greentic-Session is longer than 256 bytes") }
            sessionKey = "\(request.tenant):webhook:\(flowID):\(session)"
        } else {
            sessionKey = idempotencyKey ?? "\(request.tenant):webhook:\(request.path):\(request.path):user"
        }
        return .run(
            IngressEvent(
                provider: provider,
                input: Self.normalize(request),
                sessionKey: sessionKey,
                flow: .id(flowID, requiredType: "webhook"),
                dedupe: idempotencyKey.map { DedupeID(namespace: "webhook:\(flowID)", id: $0) },
                policyPath: "/webhook/\(flowID)"
            )
        )
    }

    /// `{"method","path","query","headers","body"}` with lower-cased header names and the body
    /// as `{"text"}` when it is UTF-8, `{"base16"}` otherwise, `null` when empty.
    ///
    /// Credentials never reach the flow's input, which a paused conversation stores: the value
    /// of every header ``isCredential(_:)`` names is replaced by `"[redacted]"` (the flow still
    /// sees that it was sent).
    public static func normalize(_ request: IngressRequest) -> JSONValue {
        var headers: [String: JSONValue] = [:]
        for (name, value) in request.headers {
            let name = name.lowercased()
            headers[name] = .string(isCredential(name) ? redacted : value)
        }
        let body: JSONValue
        if request.body.isEmpty {
            body = .null
        } else if let text = String(validating: request.body, as: UTF8.self) {
            body = .object(["text": .string(text)])
        } else {
            body = .object(["base16": .string(Hex.encode(request.body))])
        }
        return .object([
            "method": .string(request.method), "path": .string(request.path),
            "query": request.query.map(JSONValue.string) ?? .null, "headers": .object(headers), "body": body,
        ])
    }

    public func response(for outcome: DispatchOutcome) -> IngressResponse {
        switch outcome {
        case .ran(let output): Self.httpResponse(for: output) ?? .error(500, "malformed flow response")
        case .flowFailed: .error(500, "webhook flow failed")
        }
    }

    /// Maps a flow output to HTTP (reference §8.4): a string is the body; an object may set
    /// What a credential header's value becomes in the flow input.
    public static let redacted = "[redacted]"

    /// Whether the (lower-case) header `name` carries a credential: `authorization`,
    /// `proxy-authorization`, `cookie`, or any name containing `token`, `secret`, `password`,
    /// `api-key` or `apikey`.
    public static func isCredential(_ name: String) -> Bool {
        if ["authorization", "proxy-authorization", "cookie"].contains(name) { return true }
        return ["token", "secret", "password", "api-key", "apikey"].contains { name.contains($0) }
    }

    /// `status` (200–599), `headers` and `body` (`{text}`, `{base16}`, a string, or JSON) or `text`;
    /// anything else is returned as JSON. `nil` when the output asks for an impossible status
    /// or undecodable bytes. JSON bodies get `content-type: application/json` unless the flow
    /// set a content type.
    public static func httpResponse(for output: JSONValue) -> IngressResponse? {
        switch output {
        case .string(let text):
            return IngressResponse(status: 200, body: Array(text.utf8))
        case .object(let members):
            var status = 200
            if let rawStatus = members["status"], !rawStatus.isNull {
                guard let code = rawStatus.int64Value, (200...599).contains(code) else { return nil }
                status = Int(code)
            }
            var headers: [String: String] = [:]
            if let rawHeaders = members["headers"]?.objectValue {
                for (name, value) in rawHeaders {
                    if let text = value.stringValue { headers[name] = text }
                }
            }
            let isJSON: Bool
            let body: [UInt8]
            if let rawBody = members["body"], !rawBody.isNull {
                if let text = rawBody.stringValue {
                    (body, isJSON) = (Array(text.utf8), false)
                } else if let text = rawBody["text"]?.stringValue {
                    (body, isJSON) = (Array(text.utf8), false)
                } else if let hex = rawBody["base16"]?.stringValue {
                    guard let bytes = Hex.decode(hex) else { return nil }
                    (body, isJSON) = (bytes, false)
                } else {
                    (body, isJSON) = (rawBody.serializedBytes(), true)
                }
            } else if let text = members["text"]?.stringValue {
                (body, isJSON) = (Array(text.utf8), false)
            } else {
                (body, isJSON) = (output.serializedBytes(), true)
            }
            if isJSON, !headers.keys.contains(where: { $0.lowercased() == "content-type" }) {
                headers["content-type"] = "application/json"
            }
            return IngressResponse(status: status, headers: headers, body: body)
        default:
            return IngressResponse(status: 200, headers: ["content-type": "application/json"], body: output.serializedBytes())
        }
    }
}
