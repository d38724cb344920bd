internal import Foundation

/// Proves ownership of a dedupe claim or of an inbox or outbox lease; only the holder can
/// complete or release it, and a new claim or lease always gets a new token.
public struct ClaimToken: Hashable, Sendable {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// A fresh random token.
    public static func random() -> ClaimToken { ClaimToken(rawValue: UUID.random().uuidString) }
}
