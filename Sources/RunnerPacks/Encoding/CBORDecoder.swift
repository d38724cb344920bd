/// Decodes `Decodable` values from CBOR bytes.
///
/// The counterpart of ``CBOREncoder`` for untrusted input: map keys may come in any order,
/// unknown keys are ignored, `null` (or `undefined`) reads as `nil` for optionals, and every
/// mismatch between the document and the type is a thrown ``CBORError`` (`.typeMismatch`,
/// `.keyNotFound`, `.outOfRange`, `.duplicateKey`), never a crash. A leading self-describe tag
/// is skipped. Not a schema validator: it checks only what the `Decodable` type asks for.
package struct CBORDecoder: Sendable {
    /// The nesting limit passed to ``CBORValue/decode(_:maxDepth:)``.
    package var maxDepth: Int

    package init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
    }

    /// Decodes a `T` from a complete CBOR document.
    package func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(CBORError) -> T {
        try decode(type, from: CBORValue.decode(bytes, maxDepth: maxDepth).untaggedSelfDescribed)
    }

    /// Decodes a `T` from an already decoded item.
    package func decode<T: Decodable>(_ type: T.Type, from value: CBORValue) throws(CBORError) -> T {
        do {
            return try T(from: CBORDecoderImpl(value: value, codingPath: []))
        } catch let error as CBORError {
            throw error
        } catch {
            throw CBORError(.invalidValue, "decoding failed: \(error)")
        }
    }
}

struct CBORDecoderImpl: Decoder {
    let value: CBORValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let entries) = value else {
            throw CBORUnbox.mismatch(expected: "map", found: value, codingPath: codingPath)
        }
        return KeyedDecodingContainer(try CBORKeyedDecodingContainer<Key>(entries: entries, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw CBORUnbox.mismatch(expected: "array", found: value, codingPath: codingPath)
        }
        return CBORUnkeyedDecodingContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        CBORSingleValueDecodingContainer(value: value, codingPath: codingPath)
    }
}

/// Conversions from CBOR items to Swift primitives, throwing on any mismatch.
enum CBORUnbox {
    static func describe(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "the top level" : codingPath.map(\.stringValue).joined(separator: ".")
    }

    static func mismatch(expected: String, found value: CBORValue, codingPath: [any CodingKey]) -> CBORError {
        CBORError(.typeMismatch, "expected \(expected) but found \(value.kindDescription) at \(describe(codingPath))")
    }

    static func isNil(_ value: CBORValue) -> Bool {
        value == .null || value == .undefined
    }

    static func bool(_ value: CBORValue, _ codingPath: [any CodingKey]) throws(CBORError) -> Bool {
        guard case .bool(let bool) = value else { throw mismatch(expected: "bool", found: value, codingPath: codingPath) }
        return bool
    }

    static func string(_ value: CBORValue, _ codingPath: [any CodingKey]) throws(CBORError) -> String {
        guard case .text(let text) = value else { throw mismatch(expected: "text", found: value, codingPath: codingPath) }
        return text
    }

    /// Floats, and integers (rounded to the nearest `Double` when beyond 2^53).
    static func double(_ value: CBORValue, _ codingPath: [any CodingKey]) throws(CBORError) -> Double {
        switch value {
        case .float(let double): return double
        case .unsigned(let magnitude): return Double(magnitude)
        case .negative(let magnitude): return -1 - Double(magnitude)
        default: throw mismatch(expected: "number", found: value, codingPath: codingPath)
        }
    }

    static func float(_ value: CBORValue, _ codingPath: [any CodingKey]) throws(CBORError) -> Float {
        let double = try double(value, codingPath)
        let float = Float(double)
        guard float.isFinite || !double.isFinite else {
            throw CBORError(.outOfRange, "\(double) does not fit Float at \(describe(codingPath))")
        }
        return float
    }

    static func integer<T: FixedWidthInteger>(
        _ value: CBORValue,
        as type: T.Type,
        _ codingPath: [any CodingKey]
    ) throws(CBORError) -> T {
        let result: T?
        switch value {
        case .unsigned(let magnitude):
            result = T(exactly: magnitude)
        case .negative(let magnitude):
            // -1 - magnitude, which fits Int64 whenever magnitude does.
            result = Int64(exactly: magnitude).flatMap { T(exactly: -1 - $0) }
        default:
            throw mismatch(expected: "integer", found: value, codingPath: codingPath)
        }
        guard let result else {
            throw CBORError(.outOfRange, "integer does not fit \(T.self) at \(describe(codingPath))")
        }
        return result
    }

    static func decode<T: Decodable>(_ type: T.Type, _ value: CBORValue, _ codingPath: [any CodingKey]) throws -> T {
        try T(from: CBORDecoderImpl(value: value, codingPath: codingPath))
    }
}

/// Keyed container over a map's text keys (other keys are ignored). Primitive `decode`
/// requirements are witnessed by the generic method (they reach the single-value container).
struct CBORKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let codingPath: [any CodingKey]
    private let entries: [String: CBORValue]

    init(entries pairs: [(CBORValue, CBORValue)], codingPath: [any CodingKey]) throws(CBORError) {
        var entries: [String: CBORValue] = [:]
        entries.reserveCapacity(pairs.count)
        for case (.text(let key), let value) in pairs {
            guard entries.updateValue(value, forKey: key) == nil else {
                throw CBORError(.duplicateKey, "map repeats key \"\(key)\" at \(CBORUnbox.describe(codingPath))")
            }
        }
        self.entries = entries
        self.codingPath = codingPath
    }

    var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    private func value(for key: Key) throws(CBORError) -> CBORValue {
        guard let value = entries[key.stringValue] else {
            throw CBORError(.keyNotFound, "missing key \"\(key.stringValue)\" at \(CBORUnbox.describe(codingPath))")
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        CBORUnbox.isNil(try value(for: key))
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try CBORUnbox.decode(type, try value(for: key), codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try superDecoder(forKey: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try superDecoder(forKey: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        CBORDecoderImpl(
            value: entries[CBORCodingKey.superKey.stringValue] ?? .null,
            codingPath: codingPath + [CBORCodingKey.superKey]
        )
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        CBORDecoderImpl(value: try value(for: key), codingPath: codingPath + [key])
    }
}

/// Unkeyed container over an array.
struct CBORUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let items: [CBORValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(items: [CBORValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private var currentPath: [any CodingKey] { codingPath + [CBORCodingKey(intValue: currentIndex)] }

    private func current() throws(CBORError) -> CBORValue {
        guard currentIndex < items.count else {
            throw CBORError(.keyNotFound, "array ended after \(items.count) items at \(CBORUnbox.describe(codingPath))")
        }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard CBORUnbox.isNil(try current()) else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoded = try CBORUnbox.decode(type, try current(), currentPath)
        currentIndex += 1
        return decoded
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try superDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try superDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = CBORDecoderImpl(value: try current(), codingPath: currentPath)
        currentIndex += 1
        return decoder
    }
}

/// Single-value container: where CBOR items become primitives.
struct CBORSingleValueDecodingContainer: SingleValueDecodingContainer {
    let value: CBORValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { CBORUnbox.isNil(value) }
    func decode(_ type: Bool.Type) throws -> Bool { try CBORUnbox.bool(value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try CBORUnbox.string(value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try CBORUnbox.double(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try CBORUnbox.float(value, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try CBORUnbox.integer(value, as: type, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try CBORUnbox.integer(value, as: type, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try CBORUnbox.decode(type, value, codingPath)
    }
}
