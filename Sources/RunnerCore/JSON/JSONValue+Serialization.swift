extension JSONValue {
    /// Compact JSON with object keys sorted, as `serde_json` writes a `Value`.
    ///
    /// Only `"`, `\` and control characters are escaped; `/` and non-ASCII are written as is.
    /// Doubles use the shortest round-trip form; integral doubles keep a `.0`
    /// (`serde_json` writes `1.0`), exponents have no `+` (`1e21`).
    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(to: &output)
        return output
    }

    /// The length of ``serializedBytes()``, computed without building the bytes (size limits are
    /// checked on every node's payload).
    public var serializedByteCount: Int {
        switch self {
        case .null: 4
        case .bool(let value): value ? 4 : 5
        case .int(let value): String(value).utf8.count
        case .double(let value): Self.formatDouble(value).utf8.count
        case .string(let value): Self.stringByteCount(value)
        case .array(let elements): 2 + max(0, elements.count - 1) + elements.reduce(0) { $0 + $1.serializedByteCount }
        case .object(let members):
            2 + max(0, members.count - 1)
                + members.reduce(0) { $0 + Self.stringByteCount($1.key) + 1 + $1.value.serializedByteCount }
        }
    }

    private static func stringByteCount(_ value: String) -> Int {
        var count = 2
        for byte in value.utf8 {
            switch byte {
            case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: count += 2
            case 0x00..<0x20: count += 6
            default: count += 1
            }
        }
        return count
    }

    /// ``serializedBytes()`` as a `String`.
    public func serializedString() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true): output.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): output.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .int(let value): output.append(contentsOf: Array(String(value).utf8))
        case .double(let value): output.append(contentsOf: Array(Self.formatDouble(value).utf8))
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                members[key, default: .null].write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func formatDouble(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let text = "\(value)"
        guard text.contains("e+") else { return text }
        return String(text.split(separator: "+", maxSplits: 1).joined())
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    private static func writeString(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them in one go.
        if !value.utf8.contains(where: needsEscape) {
            output.append(contentsOf: value.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
