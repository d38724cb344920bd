/// Why a JSON document was rejected.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public let message: String
    /// Byte offset in the input where the problem was found.
    public let offset: Int
    /// Whether the document was rejected only because it nests too deeply.
    public let isDepthExceeded: Bool

    public init(message: String, offset: Int, isDepthExceeded: Bool = false) {
        self.message = message
        self.offset = offset
        self.isDepthExceeded = isDepthExceeded
    }

    public var description: String { "\(message) at byte \(offset)" }
}
