/// A request an adapter refuses, with the HTTP status family it maps to at the edge.
public struct IngressError: Error, Sendable, CustomStringConvertible {
    /// Why the request was refused.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case badRequest, unauthorized, forbidden, notFound, requestTimeout, conflict, unsupportedMediaType, payloadTooLarge, unavailable
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Malformed body or missing field (400).
        public static let badRequest = Code(.badRequest)
        /// Missing or wrong signature or token (401).
        public static let unauthorized = Code(.unauthorized)
        /// Refused by policy (403).
        public static let forbidden = Code(.forbidden)
        /// Unknown flow or tenant (404).
        public static let notFound = Code(.notFound)
        /// The request did not arrive in time (408).
        public static let requestTimeout = Code(.requestTimeout)
        /// The flow exists but cannot take this event (409).
        public static let conflict = Code(.conflict)
        /// Wrong content type (415).
        public static let unsupportedMediaType = Code(.unsupportedMediaType)
        /// A dependency the check needs is down; the provider should retry (503).
        public static let unavailable = Code(.unavailable)
        /// Body above the limit (413).
        public static let payloadTooLarge = Code(.payloadTooLarge)

        public var description: String { base.rawValue }

        /// The HTTP status this code maps to.
        public var httpStatus: Int {
            switch base {
            case .badRequest: 400
            case .unauthorized: 401
            case .forbidden: 403
            case .notFound: 404
            case .requestTimeout: 408
            case .conflict: 409
            case .unsupportedMediaType: 415
            case .payloadTooLarge: 413
            case .unavailable: 503
            }
        }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
