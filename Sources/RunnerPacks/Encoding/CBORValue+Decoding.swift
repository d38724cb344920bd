extension CBORValue {
    /// Decodes exactly one CBOR item that must span all of `bytes`.
    ///
    /// Safe on untrusted input: every length and offset is bounds-checked, a declared length
    /// longer than the remaining input is rejected before anything is allocated, and arrays, maps
    /// and tags may nest at most `maxDepth` levels. Accepts indefinite-length strings, arrays and
    /// maps; keeps tags (including self-describe 55799, see ``untaggedSelfDescribed``) as
    /// `.tagged`. Rejects what RFC 8949 calls not well-formed, and invalid UTF-8 in text.
    /// Not a validity checker for tag contents or duplicate map keys (the `Codable` bridge
    /// rejects duplicates). Decoding recurses once per nesting level, so keep `maxDepth` modest.
    package static func decode(_ bytes: [UInt8], maxDepth: Int = 64) throws(CBORError) -> CBORValue {
        var reader = CBORReader(bytes: bytes, maxDepth: maxDepth)
        let value = try reader.readItem(depth: 0)
        guard reader.offset == bytes.count else {
            throw CBORError(
                .trailingBytes,
                "\(bytes.count - reader.offset) bytes follow the top-level item",
                offset: reader.offset
            )
        }
        return value
    }
}

/// A bounds-checked cursor over untrusted CBOR bytes; internal to ``CBORValue/decode(_:maxDepth:)``.
struct CBORReader {
    let bytes: [UInt8]
    let maxDepth: Int
    private(set) var offset = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private var remaining: Int { bytes.count - offset }

    /// Reads one item; `depth` is the number of arrays, maps and tags enclosing it.
    mutating func readItem(depth: Int) throws(CBORError) -> CBORValue {
        let start = offset
        let initial = try readByte()
        let major = initial >> 5
        let info = initial & 0x1F
        if major == 7 {
            return try readSimpleOrFloat(info: info, start: start)
        }
        let argument = try readArgument(info: info, start: start)
        switch major {
        case 0, 1:
            guard let argument else { throw malformed("integers have no indefinite length", at: start) }
            return major == 0 ? .unsigned(argument) : .negative(argument)
        case 2:
            if let argument { return .bytes(try readBytes(count: argument, start: start)) }
            return .bytes(try readChunks(major: 2))
        case 3:
            if let argument { return .text(try readText(count: argument, start: start)) }
            return .text(try readTextChunks())
        case 4:
            try checkDepth(depth + 1, start: start)
            return .array(try readArray(count: argument, depth: depth + 1, start: start))
        case 5:
            try checkDepth(depth + 1, start: start)
            return .map(try readMap(count: argument, depth: depth + 1, start: start))
        default:  // 6
            guard let tag = argument else { throw malformed("tags have no indefinite length", at: start) }
            try checkDepth(depth + 1, start: start)
            return .tagged(tag, try readItem(depth: depth + 1))
        }
    }

    private mutating func readSimpleOrFloat(info: UInt8, start: Int) throws(CBORError) -> CBORValue {
        switch info {
        case 0..<20: return .simple(info)
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 24:
            let value = try readByte()
            guard value >= 32 else {
                throw malformed("simple value \(value) must use the one-byte form", at: start)
            }
            return .simple(value)
        case 25: return .float(CBORFloat.double(fromHalf: UInt16(truncatingIfNeeded: try readUInt(byteCount: 2))))
        case 26: return .float(CBORFloat.double(fromSingle: UInt32(truncatingIfNeeded: try readUInt(byteCount: 4))))
        case 27: return .float(Double(bitPattern: try readUInt(byteCount: 8)))
        case 28...30: throw malformed("reserved additional information \(info)", at: start)
        default: throw malformed("unexpected break", at: start)
        }
    }

    /// The argument of a head; `nil` for indefinite length (additional information 31).
    private mutating func readArgument(info: UInt8, start: Int) throws(CBORError) -> UInt64? {
        switch info {
        case 0..<24: return UInt64(info)
        case 24: return try readUInt(byteCount: 1)
        case 25: return try readUInt(byteCount: 2)
        case 26: return try readUInt(byteCount: 4)
        case 27: return try readUInt(byteCount: 8)
        case 28...30: throw malformed("reserved additional information \(info)", at: start)
        default: return nil
        }
    }

    private mutating func readArray(count: UInt64?, depth: Int, start: Int) throws(CBORError) -> [CBORValue] {
        var items: [CBORValue] = []
        guard let count else {
            while try !consumeBreak() {
                items.append(try readItem(depth: depth))
            }
            return items
        }
        // Every item takes at least one byte, so this bounds the allocation by the input size.
        guard count <= UInt64(remaining) else {
            throw truncated("array declares \(count) items but only \(remaining) bytes remain", at: start)
        }
        items.reserveCapacity(Int(count))
        for _ in 0..<count {
            items.append(try readItem(depth: depth))
        }
        return items
    }

    private mutating func readMap(
        count: UInt64?,
        depth: Int,
        start: Int
    ) throws(CBORError) -> [(CBORValue, CBORValue)] {
        var entries: [(CBORValue, CBORValue)] = []
        guard let count else {
            while try !consumeBreak() {
                let key = try readItem(depth: depth)
                entries.append((key, try readItem(depth: depth)))
            }
            return entries
        }
        guard count <= UInt64(remaining / 2) else {
            throw truncated("map declares \(count) entries but only \(remaining) bytes remain", at: start)
        }
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            let key = try readItem(depth: depth)
            entries.append((key, try readItem(depth: depth)))
        }
        return entries
    }

    /// Concatenates the definite-length chunks of an indefinite-length string of `major` type.
    private mutating func readChunks(major: UInt8) throws(CBORError) -> [UInt8] {
        var result: [UInt8] = []
        while try !consumeBreak() {
            result.append(contentsOf: try readChunk(major: major))
        }
        return result
    }

    private mutating func readTextChunks() throws(CBORError) -> String {
        var result = ""
        while try !consumeBreak() {
            let start = offset
            let chunk = try readChunk(major: 3)
            guard let text = Self.validatedText(chunk[...]) else {
                throw CBORError(.invalidUTF8, "text chunk is not valid UTF-8", offset: start)
            }
            result += text
        }
        return result
    }

    private mutating func readChunk(major: UInt8) throws(CBORError) -> [UInt8] {
        let start = offset
        let initial = try readByte()
        guard initial >> 5 == major, initial & 0x1F != 31 else {
            throw malformed("indefinite-length string chunk must be a definite string of the same type", at: start)
        }
        guard let length = try readArgument(info: initial & 0x1F, start: start) else {
            throw malformed("nested indefinite-length chunk", at: start)
        }
        return try readBytes(count: length, start: start)
    }

    private mutating func readBytes(count: UInt64, start: Int) throws(CBORError) -> [UInt8] {
        guard count <= UInt64(remaining) else {
            throw truncated("string declares \(count) bytes but only \(remaining) remain", at: start)
        }
        let end = offset + Int(count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    private mutating func readText(count: UInt64, start: Int) throws(CBORError) -> String {
        guard count <= UInt64(remaining) else {
            throw truncated("text declares \(count) bytes but only \(remaining) remain", at: start)
        }
        let end = offset + Int(count)
        guard let text = Self.validatedText(bytes[offset..<end]) else {
            throw CBORError(.invalidUTF8, "text string is not valid UTF-8", offset: start)
        }
        offset = end
        return text
    }

    /// `utf8` as a String, or `nil` if it is not valid UTF-8 (decoding repairs invalid input, so a
    /// repaired string never re-encodes to the same bytes).
    static func validatedText(_ utf8: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: utf8, as: UTF8.self)
        return text.utf8.elementsEqual(utf8) ? text : nil
    }

    /// Consumes a break byte (0xff) if one is next; throws if the input ends first.
    private mutating func consumeBreak() throws(CBORError) -> Bool {
        guard offset < bytes.count else {
            throw truncated("indefinite-length item has no break", at: offset)
        }
        guard bytes[offset] == 0xFF else { return false }
        offset += 1
        return true
    }

    private mutating func readByte() throws(CBORError) -> UInt8 {
        guard offset < bytes.count else { throw truncated("input ends before the next item", at: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func readUInt(byteCount: Int) throws(CBORError) -> UInt64 {
        guard byteCount <= remaining else {
            throw truncated("input ends inside a \(byteCount)-byte argument", at: offset)
        }
        var value: UInt64 = 0
        for index in offset..<(offset + byteCount) {
            value = value << 8 | UInt64(bytes[index])
        }
        offset += byteCount
        return value
    }

    private func checkDepth(_ depth: Int, start: Int) throws(CBORError) {
        guard depth <= maxDepth else {
            throw CBORError(.depthExceeded, "nesting deeper than \(maxDepth) levels", offset: start)
        }
    }

    private func truncated(_ message: String, at offset: Int) -> CBORError {
        CBORError(.truncated, message, offset: offset)
    }

    private func malformed(_ message: String, at offset: Int) -> CBORError {
        CBORError(.malformed, message, offset: offset)
    }
}
