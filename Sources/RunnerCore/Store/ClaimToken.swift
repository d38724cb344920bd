internal import Foundation

/// Proves ownership of a dedupe claim; only the holder can complete or release it.
public struct ClaimToken: Hashable, Sendable {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// A fresh random token.
    public static func random() -> ClaimToken { ClaimToken(rawValue: UUID().uuidString) }
}
