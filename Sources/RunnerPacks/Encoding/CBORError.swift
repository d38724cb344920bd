/// An error from CBOR decoding, encoding, or the `Codable` bridge.
///
/// For reporting why bytes were rejected (with the byte `offset` where known) or why a value
/// could not be mapped to or from a Swift type. Match on ``code``; ``message`` is for humans and
/// may change.
package struct CBORError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, matchable error category.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case truncated, depthExceeded, invalidUTF8, unsupported, trailingBytes, typeMismatch
            case malformed, outOfRange, keyNotFound, duplicateKey, invalidValue
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The input ended before the item it declares (including lengths longer than the input).
        package static let truncated = Code(.truncated)
        /// Arrays, maps and tags are nested deeper than the decoder's limit.
        package static let depthExceeded = Code(.depthExceeded)
        /// A text string is not valid UTF-8.
        package static let invalidUTF8 = Code(.invalidUTF8)
        /// Well-formed but outside what this implementation supports (e.g. reserved simple values, `superEncoder`).
        package static let unsupported = Code(.unsupported)
        /// Bytes remain after the single top-level item.
        package static let trailingBytes = Code(.trailingBytes)
        /// A `Codable` value expected one kind of CBOR item and found another.
        package static let typeMismatch = Code(.typeMismatch)
        /// Not well-formed CBOR (reserved additional information, misplaced break, bad chunk).
        package static let malformed = Code(.malformed)
        /// A number does not fit the requested Swift type.
        package static let outOfRange = Code(.outOfRange)
        /// A required key is absent from a map decoded through `Codable`.
        package static let keyNotFound = Code(.keyNotFound)
        /// A map decoded through `Codable` repeats a text key.
        package static let duplicateKey = Code(.duplicateKey)
        /// A value could not be encoded or decoded for another reason (e.g. a custom `Codable` error).
        package static let invalidValue = Code(.invalidValue)

        package var description: String { kind.rawValue }
    }

    /// The category of the error.
    package let code: Code
    /// A human-readable explanation.
    package let message: String
    /// The byte offset in the input where the problem was detected, when decoding bytes.
    package let offset: Int?

    /// Creates an error; `offset` is the input byte position, when there is one.
    package init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    package var description: String {
        if let offset {
            return "CBOR \(code) at byte \(offset): \(message)"
        }
        return "CBOR \(code): \(message)"
    }
}
