public import Foundation
public import RunnerCore

/// An HTTP request as an ingress adapter sees it: no framework types, raw body bytes.
public struct IngressRequest: Sendable {
    public var method: String
    /// The path without the query, e.g. `/webhook/orders`.
    public var path: String
    /// The raw query string without `?`, or `nil`.
    public var query: String?
    /// Header fields in arrival order; look them up with ``header(_:)``.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The tenant the host resolved for this request.
    public var tenant: String
    /// Values taken from the route path, e.g. `flow_id`.
    public var pathParameters: [String: String]
    /// Limits for ``jsonBody()`` (the host's `MAX_JSON_DEPTH`).
    public var jsonLimits: JSONValue.ParsingLimits
    /// The channel credentials of ``tenant`` (signing secrets, tokens).
    public var credentials: ChannelCredentials
    /// When the request arrived: the clock adapters judge timestamps and stamp payloads with.
    public var receivedAt: Date

    public init(
        method: String,
        path: String,
        query: String? = nil,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        tenant: String,
        pathParameters: [String: String] = [:],
        jsonLimits: JSONValue.ParsingLimits = .init(),
        credentials: ChannelCredentials = .none,
        receivedAt: Date = Date()
    ) {
        self.jsonLimits = jsonLimits
        self.credentials = credentials
        self.receivedAt = receivedAt
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.tenant = tenant
        self.pathParameters = pathParameters
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Whether the content type is JSON (`application/json` or `application/*+json`).
    public var hasJSONContentType: Bool {
        guard let type = header("content-type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else {
            return false
        }
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// The credential `name` of this request's tenant, or a 401 naming the missing setting: a
    /// channel never accepts a request it cannot verify.
    public func requiredCredential(_ name: String) throws(IngressError) -> String {
        guard let value = credentials.value(name) else {
            throw IngressError(.unauthorized, "\(name) is not configured for tenant \(tenant)")
        }
        return value
    }

    /// The query parameters, percent-decoded (`+` is a space); later duplicates win.
    public var queryParameters: [String: String] {
        FormEncoding.decode(query ?? "")
    }

    /// Whether the content type is `application/x-www-form-urlencoded`.
    public var hasFormContentType: Bool {
        header("content-type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            == "application/x-www-form-urlencoded"
    }

    /// Parses the body as JSON within ``jsonLimits``.
    public func jsonBody() throws(IngressError) -> JSONValue {
        let limits = jsonLimits
        do {
            return try JSONValue(parsing: body, limits: limits)
        } catch {
            if error.isDepthExceeded {
                throw IngressError(.badRequest, "request body nests deeper than \(limits.maxDepth) levels")
            }
            throw IngressError(.badRequest, "request body is not valid JSON: \(error)")
        }
    }
}
