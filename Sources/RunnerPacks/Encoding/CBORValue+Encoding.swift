extension CBORValue {
    /// Serialises the item with RFC 8949 preferred serialisation: definite lengths, shortest
    /// argument encodings, floats in the shortest width that keeps the exact value (including
    /// NaN payloads), and map entries in the order given (no key sorting).
    ///
    /// `.simple(24...31)` is written as given (`f8 18`…`f8 1f`) although decoders reject it.
    package func encoded() -> [UInt8] {
        var output: [UInt8] = []
        append(to: &output)
        return output
    }

    /// Like ``encoded()``, prefixed with the self-describe tag 55799 (`d9 d9 f7`).
    package func encodedSelfDescribed() -> [UInt8] {
        var output: [UInt8] = []
        Self.appendHead(major: 6, argument: Self.selfDescribeTag, to: &output)
        append(to: &output)
        return output
    }

    func append(to output: inout [UInt8]) {
        switch self {
        case .unsigned(let value):
            Self.appendHead(major: 0, argument: value, to: &output)
        case .negative(let value):
            Self.appendHead(major: 1, argument: value, to: &output)
        case .bytes(let bytes):
            Self.appendHead(major: 2, argument: UInt64(bytes.count), to: &output)
            output.append(contentsOf: bytes)
        case .text(let text):
            Self.appendHead(major: 3, argument: UInt64(text.utf8.count), to: &output)
            output.append(contentsOf: text.utf8)
        case .array(let items):
            Self.appendHead(major: 4, argument: UInt64(items.count), to: &output)
            for item in items {
                item.append(to: &output)
            }
        case .map(let entries):
            Self.appendHead(major: 5, argument: UInt64(entries.count), to: &output)
            for (key, value) in entries {
                key.append(to: &output)
                value.append(to: &output)
            }
        case .tagged(let tag, let content):
            Self.appendHead(major: 6, argument: tag, to: &output)
            content.append(to: &output)
        case .bool(let value):
            output.append(value ? 0xF5 : 0xF4)
        case .null:
            output.append(0xF6)
        case .undefined:
            output.append(0xF7)
        case .simple(let value):
            if value < 24 {
                output.append(0xE0 | value)
            } else {
                output.append(0xF8)
                output.append(value)
            }
        case .float(let value):
            if let half = CBORFloat.halfBits(exactly: value) {
                output.append(0xF9)
                Self.appendBigEndian(UInt64(half), byteCount: 2, to: &output)
            } else if let single = CBORFloat.singleBits(exactly: value) {
                output.append(0xFA)
                Self.appendBigEndian(UInt64(single), byteCount: 4, to: &output)
            } else {
                output.append(0xFB)
                Self.appendBigEndian(value.bitPattern, byteCount: 8, to: &output)
            }
        }
    }

    /// Appends an initial byte and argument in the shortest form.
    static func appendHead(major: UInt8, argument: UInt64, to output: inout [UInt8]) {
        let high = major << 5
        switch argument {
        case 0..<24:
            output.append(high | UInt8(argument))
        case 24...0xFF:
            output.append(high | 24)
            appendBigEndian(argument, byteCount: 1, to: &output)
        case 0x100...0xFFFF:
            output.append(high | 25)
            appendBigEndian(argument, byteCount: 2, to: &output)
        case 0x1_0000...0xFFFF_FFFF:
            output.append(high | 26)
            appendBigEndian(argument, byteCount: 4, to: &output)
        default:
            output.append(high | 27)
            appendBigEndian(argument, byteCount: 8, to: &output)
        }
    }

    static func appendBigEndian(_ value: UInt64, byteCount: Int, to output: inout [UInt8]) {
        var shift = 8 * (byteCount - 1)
        while shift >= 0 {
            output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            shift -= 8
        }
    }
}

/// Bit-exact conversions between `Double` and the IEEE 754 half and single formats used by CBOR.
///
/// Written on bit patterns (not `Float16`, which is unavailable on some platforms) so that NaN
/// payloads and subnormals behave identically everywhere.
enum CBORFloat {
    /// The half-precision bits of `value` if that width represents it exactly.
    static func halfBits(exactly value: Double) -> UInt16? {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 48) & 0x8000
        let exponent = Int((bits >> 52) & 0x7FF)
        let mantissa = bits & 0x000F_FFFF_FFFF_FFFF
        let droppedMask: UInt64 = (1 << 42) - 1
        if exponent == 0x7FF {  // infinity or NaN: keep the payload only if it fits
            guard mantissa & droppedMask == 0 else { return nil }
            return sign | 0x7C00 | UInt16(truncatingIfNeeded: mantissa >> 42)
        }
        if exponent == 0 {  // zero, or a double subnormal (far below half range)
            return mantissa == 0 ? sign : nil
        }
        let unbiased = exponent - 1023
        switch unbiased {
        case -14...15:
            guard mantissa & droppedMask == 0 else { return nil }
            return sign | UInt16(unbiased + 15) << 10 | UInt16(truncatingIfNeeded: mantissa >> 42)
        case -24 ... -15:  // half subnormal: value = k * 2^-24 with k < 1024
            let significand = mantissa | (1 << 52)
            let shift = UInt64(28 - unbiased)
            guard significand & ((1 << shift) - 1) == 0 else { return nil }
            return sign | UInt16(truncatingIfNeeded: significand >> shift)
        default:
            return nil
        }
    }

    /// The single-precision bits of `value` if that width represents it exactly.
    static func singleBits(exactly value: Double) -> UInt32? {
        let bits = value.bitPattern
        if (bits >> 52) & 0x7FF == 0x7FF {
            let mantissa = bits & 0x000F_FFFF_FFFF_FFFF
            guard mantissa & ((1 << 29) - 1) == 0 else { return nil }
            let sign = UInt32(truncatingIfNeeded: bits >> 32) & 0x8000_0000
            return sign | 0x7F80_0000 | UInt32(truncatingIfNeeded: mantissa >> 29)
        }
        let single = Float(value)
        return Double(single).bitPattern == bits ? single.bitPattern : nil
    }

    /// The exact `Double` for half-precision bits.
    static func double(fromHalf bits: UInt16) -> Double {
        let sign = UInt64(bits & 0x8000) << 48
        let exponent = UInt64((bits >> 10) & 0x1F)
        let mantissa = UInt64(bits & 0x03FF)
        switch exponent {
        case 0:
            let magnitude = Double(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Double(bitPattern: sign | 0x7FF0_0000_0000_0000 | mantissa << 42)
        default:
            return Double(bitPattern: sign | (exponent + 1023 - 15) << 52 | mantissa << 42)
        }
    }

    /// The exact `Double` for single-precision bits (NaN payloads preserved).
    static func double(fromSingle bits: UInt32) -> Double {
        if (bits >> 23) & 0xFF == 0xFF {
            let sign = UInt64(bits & 0x8000_0000) << 32
            return Double(bitPattern: sign | 0x7FF0_0000_0000_0000 | UInt64(bits & 0x007F_FFFF) << 29)
        }
        return Double(Float(bitPattern: bits))
    }
}
