internal import Foundation
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
    /// Limits for ``jsonBody(limits:)`` (the host's `MAX_JSON_DEPTH`).
    public var jsonLimits: JSONValue.ParsingLimits

    public init(
        method: String,
        path: String,
        query: String? = nil,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        tenant: String,
        pathParameters: [String: String] = [:],
        jsonLimits: JSONValue.ParsingLimits = .init()
    ) {
        self.jsonLimits = jsonLimits
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
