/// JavaScript's `Number.prototype.toString()` (ECMA-262 `Number::toString`, radix 10), built on
/// Swift's shortest round-trip digits, which are the digits JavaScript requires.
enum JSNumberFormatter {
    static func string(from value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == 0 { return "0" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let (digits, exponent) = decimalDigits(of: value.magnitude)
        let body = layout(digits: digits, pointPosition: exponent)
        return value < 0 ? "-" + body : body
    }

    /// The shortest digits `d1 d2 … dk` and `n` with `value = 0.d1d2…dk × 10^n`.
    private static func decimalDigits(of value: Double) -> ([UInt8], Int) {
        let text = Array(value.description.utf8)  // e.g. "1.5", "100.0", "1e-07", "1.2e+21"
        var mantissa = text[...]
        var exponent = 0
        if let marker = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<marker]
            exponent = Int(String(decoding: text[(marker + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                digits.append(byte)
                if !seenPoint { integerDigits += 1 }
            }
        }
        var pointPosition = integerDigits + exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { return ([UInt8(ascii: "0")], 1) }
        return (digits, pointPosition)
    }

    private static func layout(digits: [UInt8], pointPosition n: Int) -> String {
        let k = digits.count
        let digitText = String(decoding: digits, as: UTF8.self)
        if k <= n, n <= 21 {
            return digitText + String(repeating: "0", count: n - k)
        }
        if 0 < n, n <= 21 {
            return String(decoding: digits[..<n], as: UTF8.self) + "." + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n, n <= 0 {
            return "0." + String(repeating: "0", count: -n) + digitText
        }
        let exponent = n - 1
        let sign = exponent >= 0 ? "+" : "-"
        var result = String(decoding: digits[..<1], as: UTF8.self)
        if k > 1 { result += "." + String(decoding: digits[1...], as: UTF8.self) }
        return result + "e" + sign + String(exponent.magnitude)
    }

    /// JavaScript's `StringToNumber` (`Number("…")`), used by loose equality.
    static func number(from text: String) -> Double {
        let scalars = Array(text.unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end, JSCharacters.isWhitespace(scalars[start]) { start += 1 }
        while end > start, JSCharacters.isWhitespace(scalars[end - 1]) { end -= 1 }
        let trimmed = Array(scalars[start..<end])
        if trimmed.isEmpty { return 0 }
        let literal = JSCharacters.string(trimmed)
        switch literal {
        case "Infinity", "+Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: break
        }
        if trimmed.count > 2, trimmed[0] == "0" {
            let radix: Int? =
                switch trimmed[1] {
                case "x", "X": 16
                case "o", "O": 8
                case "b", "B": 2
                default: nil
                }
            if let radix {
                var value = 0.0
                for scalar in trimmed[2...] {
                    guard let digit = Int(String(scalar), radix: radix) else { return .nan }
                    value = value * Double(radix) + Double(digit)
                }
                return value
            }
        }
        guard isDecimalLiteral(trimmed) else { return .nan }
        return Double(literal) ?? .nan
    }

    /// `StrDecimalLiteral`: sign, digits with an optional point, optional exponent.
    private static func isDecimalLiteral(_ scalars: [Unicode.Scalar]) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            return index - start
        }
        if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
        var mantissaDigits = digits()
        if index < scalars.count, scalars[index] == "." {
            index += 1
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return false }
        if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
            index += 1
            if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == scalars.count
    }
}
