/// A reply that could not be delivered, and whether trying again can help.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case transient, permanent, unknownOutcome
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The provider refused or failed for now (429, 5xx, connection refused): retry later.
        public static let transient = Code(.transient)
        /// Retrying cannot help (bad token, unknown chat, invalid message).
        public static let permanent = Code(.permanent)
        /// The request went out and no answer came back (a timeout after sending): the
        /// provider may or may not have the message.
        public static let unknownOutcome = Code(.unknownOutcome)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// The provider's `Retry-After`, in seconds, when it gave one.
    public let retryAfterSeconds: Double?

    public init(_ code: Code, _ message: String, retryAfterSeconds: Double? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { message }
}
