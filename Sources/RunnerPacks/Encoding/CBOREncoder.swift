/// Encodes `Encodable` values as CBOR bytes.
///
/// For writing pack manifests and similar documents whose Rust counterparts use serde_cbor:
/// keyed containers become maps with text keys in the order the type encodes them (declaration
/// order for synthesized conformances), `nil` optionals encoded with `encodeIfPresent` are
/// omitted, unkeyed containers become arrays. `Data`/`[UInt8]` get no special treatment (their
/// `Codable` conformances produce arrays of integers). Not for byte-exact canonical forms beyond
/// that: use ``CBORValue`` directly when every byte matters.
package struct CBOREncoder: Sendable {
    /// Whether `Dictionary` values get their map entries sorted by the UTF-8 bytes of the key
    /// (as Rust's `BTreeMap<String, _>` does). Swift's dictionary order changes from run to run,
    /// so without this the same value may encode to different bytes. Struct fields are never
    /// reordered. Dictionaries with keys other than `String`/`Int` encode as arrays and are not sorted.
    package var sortsDictionaryKeys = true

    package init() {}

    /// Encodes `value` to CBOR bytes.
    package func encode<T: Encodable>(_ value: T) throws(CBORError) -> [UInt8] {
        try encodeValue(value).encoded()
    }

    /// Encodes `value` to a ``CBORValue`` tree.
    package func encodeValue<T: Encodable>(_ value: T) throws(CBORError) -> CBORValue {
        let node = CBOREncodingNode()
        do {
            try node.encode(value, codingPath: [], sortsDictionaryKeys: sortsDictionaryKeys)
        } catch let error as CBORError {
            throw error
        } catch {
            throw CBORError(.invalidValue, "encoding failed: \(error)")
        }
        return node.value
    }
}

/// Marks `Dictionary`, whose encoded entry order is arbitrary.
protocol CBORUnorderedKeyedCollection {}
extension Dictionary: CBORUnorderedKeyedCollection {}

/// A mutable slot in the tree being encoded: empty, a finished item, an array or a map.
final class CBOREncodingNode {
    private enum Kind { case empty, scalar, array, map }

    private var kind = Kind.empty
    private var scalar = CBORValue.null
    private var children: [CBOREncodingNode] = []
    private var keys: [String] = []
    private var keyIndex: [String: Int] = [:]

    var count: Int { children.count }

    /// The finished item. A value that encoded nothing becomes an empty map.
    var value: CBORValue {
        switch kind {
        case .empty: .map([])
        case .scalar: scalar
        case .array: .array(children.map(\.value))
        case .map: .map(zip(keys, children).map { (.text($0), $1.value) })
        }
    }

    func set(_ value: CBORValue) {
        reset(to: .scalar)
        scalar = value
    }

    func makeArray() {
        if kind != .array { reset(to: .array) }
    }

    func makeMap() {
        if kind != .map { reset(to: .map) }
    }

    func appendChild() -> CBOREncodingNode {
        makeArray()
        let child = CBOREncodingNode()
        children.append(child)
        return child
    }

    /// A fresh slot for `key`; encoding the same key twice replaces the earlier value in place.
    func child(forKey key: String) -> CBOREncodingNode {
        makeMap()
        let child = CBOREncodingNode()
        if let index = keyIndex[key] {
            children[index] = child
        } else {
            keyIndex[key] = children.count
            keys.append(key)
            children.append(child)
        }
        return child
    }

    /// Encodes `value` into this slot.
    func encode<T: Encodable>(_ value: T, codingPath: [any CodingKey], sortsDictionaryKeys: Bool) throws {
        try value.encode(to: CBOREncoderImpl(node: self, codingPath: codingPath, sortsDictionaryKeys: sortsDictionaryKeys))
        if sortsDictionaryKeys, kind == .map, value is any CBORUnorderedKeyedCollection {
            let order = keys.indices.sorted { keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8) }
            keys = order.map { keys[$0] }
            children = order.map { children[$0] }
            keyIndex = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        }
    }

    private func reset(to newKind: Kind) {
        kind = newKind
        scalar = .null
        children = []
        keys = []
        keyIndex = [:]
    }
}

/// A coding key for array positions and `super`.
struct CBORCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    static let superKey = CBORCodingKey(stringValue: "super")
}

struct CBOREncoderImpl: Encoder {
    let node: CBOREncodingNode
    let codingPath: [any CodingKey]
    let sortsDictionaryKeys: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeMap()
        return KeyedEncodingContainer(
            CBORKeyedEncodingContainer<Key>(node: node, codingPath: codingPath, sortsDictionaryKeys: sortsDictionaryKeys)
        )
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return CBORUnkeyedEncodingContainer(node: node, codingPath: codingPath, sortsDictionaryKeys: sortsDictionaryKeys)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        CBORSingleValueEncodingContainer(node: node, codingPath: codingPath, sortsDictionaryKeys: sortsDictionaryKeys)
    }
}

/// Keyed container: a CBOR map with text keys in encoding order. Primitive `encode` requirements
/// are witnessed by the generic method (they reach the single-value container).
struct CBORKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: CBOREncodingNode
    let codingPath: [any CodingKey]
    let sortsDictionaryKeys: Bool

    mutating func encodeNil(forKey key: Key) throws {
        node.child(forKey: key.stringValue).set(.null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.child(forKey: key.stringValue)
            .encode(value, codingPath: codingPath + [key], sortsDictionaryKeys: sortsDictionaryKeys)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        superEncoder(forKey: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        superEncoder(forKey: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        CBOREncoderImpl(
            node: node.child(forKey: CBORCodingKey.superKey.stringValue),
            codingPath: codingPath + [CBORCodingKey.superKey],
            sortsDictionaryKeys: sortsDictionaryKeys
        )
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        CBOREncoderImpl(
            node: node.child(forKey: key.stringValue),
            codingPath: codingPath + [key],
            sortsDictionaryKeys: sortsDictionaryKeys
        )
    }
}

/// Unkeyed container: a CBOR array.
struct CBORUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let node: CBOREncodingNode
    let codingPath: [any CodingKey]
    let sortsDictionaryKeys: Bool

    var count: Int { node.count }

    mutating func encodeNil() throws {
        node.appendChild().set(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [CBORCodingKey(intValue: count)]
        try node.appendChild().encode(value, codingPath: path, sortsDictionaryKeys: sortsDictionaryKeys)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        superEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        superEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = codingPath + [CBORCodingKey(intValue: count)]
        return CBOREncoderImpl(node: node.appendChild(), codingPath: path, sortsDictionaryKeys: sortsDictionaryKeys)
    }
}

/// Single-value container: where primitives become CBOR items.
struct CBORSingleValueEncodingContainer: SingleValueEncodingContainer {
    let node: CBOREncodingNode
    let codingPath: [any CodingKey]
    let sortsDictionaryKeys: Bool

    mutating func encodeNil() throws { node.set(.null) }
    mutating func encode(_ value: Bool) throws { node.set(.bool(value)) }
    mutating func encode(_ value: String) throws { node.set(.text(value)) }
    mutating func encode(_ value: Double) throws { node.set(.float(value)) }
    mutating func encode(_ value: Float) throws { node.set(.float(Double(value))) }
    mutating func encode(_ value: Int) throws { node.set(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { node.set(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { node.set(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { node.set(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { node.set(.integer(value)) }
    mutating func encode(_ value: UInt) throws { node.set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { node.set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { node.set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { node.set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { node.set(.unsigned(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try node.encode(value, codingPath: codingPath, sortsDictionaryKeys: sortsDictionaryKeys)
    }
}
