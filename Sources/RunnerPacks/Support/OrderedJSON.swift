internal import RunnerCore

/// A JSON document whose object members keep the order they were given, written the way
/// Rust's `serde_json::to_vec_pretty` writes a struct: two-space indent, `"key": value`,
/// `[]`/`{}` for empty containers, no trailing newline.
///
/// Used for `manifest.json`, `provenance.json`, `signatures/pack.sig` and `sbom.json`, so that
/// a pack built here is byte-compatible with one built by greentic-pack. Free-form
/// ``JSONValue`` members are written with sorted keys (as `serde_json::Value` does).
indirect enum OrderedJSON {
    /// A free-form value; objects inside it are written with sorted keys.
    case value(JSONValue)
    /// An object with members in the given order.
    case object([(String, OrderedJSON)])
    /// An array.
    case array([OrderedJSON])

    /// A JSON string.
    static func string(_ text: String) -> OrderedJSON { .value(.string(text)) }

    /// A JSON string, or `null` for `nil`.
    static func optionalString(_ text: String?) -> OrderedJSON { .value(text.map { .string($0) } ?? .null) }

    /// The pretty-printed UTF-8 bytes.
    func prettyBytes() -> [UInt8] {
        var output: [UInt8] = []
        write(to: &output, indent: 0)
        return output
    }

    private func write(to output: inout [UInt8], indent: Int) {
        switch self {
        case .value(.object(let members)):
            let ordered = members.keys.sorted().map { ($0, OrderedJSON.value(members[$0, default: .null])) }
            OrderedJSON.object(ordered).write(to: &output, indent: indent)
        case .value(.array(let elements)):
            OrderedJSON.array(elements.map { .value($0) }).write(to: &output, indent: indent)
        case .value(let scalar):
            output.append(contentsOf: scalar.serializedBytes())
        case .object(let members):
            guard !members.isEmpty else {
                output.append(contentsOf: Array("{}".utf8))
                return
            }
            output.append(UInt8(ascii: "{"))
            for (offset, (key, value)) in members.enumerated() {
                output.append(contentsOf: offset == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                Self.appendIndent(indent + 1, to: &output)
                output.append(contentsOf: JSONValue.string(key).serializedBytes())
                output.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                value.write(to: &output, indent: indent + 1)
            }
            output.append(0x0A)
            Self.appendIndent(indent, to: &output)
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            guard !elements.isEmpty else {
                output.append(contentsOf: Array("[]".utf8))
                return
            }
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                output.append(contentsOf: offset == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                Self.appendIndent(indent + 1, to: &output)
                element.write(to: &output, indent: indent + 1)
            }
            output.append(0x0A)
            Self.appendIndent(indent, to: &output)
            output.append(UInt8(ascii: "]"))
        }
    }

    private static func appendIndent(_ level: Int, to output: inout [UInt8]) {
        output.append(contentsOf: [UInt8](repeating: 0x20, count: level * 2))
    }
}
