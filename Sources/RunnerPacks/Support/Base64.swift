/// Strict base64 (RFC 4648) encoding and decoding, standard or URL-safe alphabet.
///
/// Foundation's decoder insists on padding and silently skips some characters; the pack
/// formats need the exact Rust `base64` crate behaviour instead: no whitespace, no stray
/// characters, canonical trailing bits, and padding either required-absent or optional.
enum Base64 {
    /// Which 64-character alphabet to use.
    enum Alphabet {
        /// `+` and `/` (RFC 4648 §4).
        case standard
        /// `-` and `_` (RFC 4648 §5).
        case urlSafe
    }

    /// Whether `=` padding may appear when decoding.
    enum Padding {
        /// Input must not be padded (Rust `URL_SAFE_NO_PAD`).
        case forbidden
        /// Input may be unpadded or correctly padded (Rust no-pad decoder, then padded decoder).
        case optional
    }

    private static func table(_ alphabet: Alphabet) -> [UInt8] {
        switch alphabet {
        case .standard: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        case .urlSafe: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        }
    }

    /// Encodes `bytes`.
    static func encode(_ bytes: [UInt8], alphabet: Alphabet, padded: Bool) -> String {
        let table = table(alphabet)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(table[Int(value >> 18 & 63)])
            output.append(table[Int(value >> 12 & 63)])
            output.append(table[Int(value >> 6 & 63)])
            output.append(table[Int(value & 63)])
            index += 3
        }
        let remaining = bytes.count - index
        if remaining == 1 {
            let value = UInt32(bytes[index]) << 16
            output.append(table[Int(value >> 18 & 63)])
            output.append(table[Int(value >> 12 & 63)])
            if padded { output.append(contentsOf: [61, 61]) }
        } else if remaining == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output.append(table[Int(value >> 18 & 63)])
            output.append(table[Int(value >> 12 & 63)])
            output.append(table[Int(value >> 6 & 63)])
            if padded { output.append(61) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `text`, or returns `nil` if it is not valid for `alphabet` and `padding`.
    static func decode(_ text: String, alphabet: Alphabet, padding: Padding) -> [UInt8]? {
        var symbols = Array(text.utf8)
        var padCount = 0
        while symbols.last == 61 {
            symbols.removeLast()
            padCount += 1
        }
        if padCount > 0 {
            guard padding == .optional, padCount <= 2, (symbols.count + padCount) % 4 == 0 else { return nil }
        }
        guard symbols.count % 4 != 1 else { return nil }
        var reverse = [UInt8](repeating: 0xFF, count: 256)
        for (offset, character) in table(alphabet).enumerated() {
            reverse[Int(character)] = UInt8(offset)
        }
        var output: [UInt8] = []
        output.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            let value = reverse[Int(symbol)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Canonical form: the unused trailing bits must be zero.
        guard accumulator == 0 else { return nil }
        return output
    }
}
