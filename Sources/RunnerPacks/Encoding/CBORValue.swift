/// One CBOR data item (RFC 8949), as decoded from or to be encoded into bytes.
///
/// For building and inspecting CBOR documents generically (pack manifests, signatures, wire
/// messages) when no `Codable` type fits. Maps keep their entries as an ordered array so that
/// documents round-trip in the order given; lookups are linear, so this is not meant for huge
/// maps. Indefinite-length items decode into their definite equivalents.
///
/// Equality is structural; floats compare by bit pattern, so `NaN == NaN` and `0.0 != -0.0`
/// (they are different CBOR items).
package enum CBORValue: Sendable {
    /// Major type 0: an unsigned integer.
    case unsigned(UInt64)
    /// Major type 1: the negative integer `-1 - n`.
    case negative(UInt64)
    /// Major type 2: a byte string.
    case bytes([UInt8])
    /// Major type 3: a UTF-8 text string.
    case text(String)
    /// Major type 4: an array.
    case array([CBORValue])
    /// Major type 5: a map, as ordered key/value pairs (duplicate keys are kept as given).
    case map([(CBORValue, CBORValue)])
    /// Major type 6: a tag number and its content.
    indirect case tagged(UInt64, CBORValue)
    /// Simple values 20 and 21.
    case bool(Bool)
    /// Simple value 22.
    case null
    /// Simple value 23.
    case undefined
    /// Any other simple value (0–19, 32–255); 24–31 are reserved and not well-formed.
    case simple(UInt8)
    /// A half, single or double precision float; encoded in the shortest exact width.
    case float(Double)

    /// The self-describe tag 55799, which marks a byte sequence as CBOR (`d9 d9 f7`).
    package static let selfDescribeTag: UInt64 = 55799

    /// An integer of either sign.
    package static func integer(_ value: Int64) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(~value))
    }

    /// The value with any self-describe tags (55799) around it removed.
    package var untaggedSelfDescribed: CBORValue {
        var value = self
        while case .tagged(Self.selfDescribeTag, let content) = value {
            value = content
        }
        return value
    }

    /// The value of the first entry whose key is the text `key`, if this is a map.
    package subscript(key: String) -> CBORValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.0 == .text(key) }?.1
    }

    /// A short name of the item's kind, for error messages.
    var kindDescription: String {
        switch self {
        case .unsigned: "unsigned integer"
        case .negative: "negative integer"
        case .bytes: "byte string"
        case .text: "text string"
        case .array: "array"
        case .map: "map"
        case .tagged(let tag, _): "tag \(tag)"
        case .bool: "bool"
        case .null: "null"
        case .undefined: "undefined"
        case .simple(let value): "simple(\(value))"
        case .float: "float"
        }
    }
}

extension CBORValue: Hashable {
    package static func == (lhs: CBORValue, rhs: CBORValue) -> Bool {
        switch (lhs, rhs) {
        case let (.unsigned(a), .unsigned(b)): a == b
        case let (.negative(a), .negative(b)): a == b
        case let (.bytes(a), .bytes(b)): a == b
        case let (.text(a), .text(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.map(a), .map(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.tagged(tagA, a), .tagged(tagB, b)): tagA == tagB && a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null), (.undefined, .undefined): true
        case let (.simple(a), .simple(b)): a == b
        case let (.float(a), .float(b)): a.bitPattern == b.bitPattern
        default: false
        }
    }

    package func hash(into hasher: inout Hasher) {
        switch self {
        case .unsigned(let value):
            hasher.combine(0)
            hasher.combine(value)
        case .negative(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .bytes(let value):
            hasher.combine(2)
            hasher.combine(value)
        case .text(let value):
            hasher.combine(3)
            hasher.combine(value)
        case .array(let value):
            hasher.combine(4)
            hasher.combine(value)
        case .map(let entries):
            hasher.combine(5)
            hasher.combine(entries.count)
            for (key, value) in entries {
                hasher.combine(key)
                hasher.combine(value)
            }
        case .tagged(let tag, let value):
            hasher.combine(6)
            hasher.combine(tag)
            hasher.combine(value)
        case .bool(let value):
            hasher.combine(7)
            hasher.combine(value)
        case .null: hasher.combine(8)
        case .undefined: hasher.combine(9)
        case .simple(let value):
            hasher.combine(10)
            hasher.combine(value)
        case .float(let value):
            hasher.combine(11)
            hasher.combine(value.bitPattern)
        }
    }
}
