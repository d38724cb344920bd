/// Character classes of JavaScript regular expressions, which handlebars.js's lexer and
/// whitespace rules are written in. Everything works on Unicode scalars, never on Swift
/// `Character`s (which would fuse "\r\n" into one).
enum JSCharacters {
    /// JavaScript's `\s`: WhiteSpace and LineTerminator.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F,
            0x3000, 0xFEFF:
            return true
        case 0x2000...0x200A:
            return true
        default:
            return false
        }
    }

    /// Characters that `.` in a JavaScript regular expression does not match.
    static func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0D, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// JavaScript's `\w`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F: return true
        default: return false
        }
    }

    /// A character of handlebars.js's `ID` token: anything but whitespace and
    /// ``!"#%&'()*+,./;<=>@[\]^`{|}~``.
    static func isIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if isWhitespace(scalar) { return false }
        switch scalar.value {
        case 0x21, 0x22, 0x23: return false  // ! " #
        case 0x25...0x2C: return false  // % & ' ( ) * + ,
        case 0x2E, 0x2F: return false  // . /
        case 0x3B...0x3E: return false  // ; < = >
        case 0x40: return false  // @
        case 0x5B...0x5E: return false  // [ \ ] ^
        case 0x60: return false  // `
        case 0x7B...0x7E: return false  // { | } ~
        default: return true
        }
    }

    /// The lookahead an `ID` must be followed by: `[=~}\s\/.)|]`.
    static func isIDLookahead(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "=", "~", "}", "/", ".", ")", "|": return true
        default: return isWhitespace(scalar)
        }
    }

    /// The lookahead a literal (`true`, `12`, …) must be followed by: `[~}\s)]`.
    static func isLiteralLookahead(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "~", "}", ")": return true
        default: return isWhitespace(scalar)
        }
    }

    /// The regular expression `/this\b/` of handlebars.js's `scopedId`.
    static func containsWordThis(_ scalars: [Unicode.Scalar]) -> Bool {
        let word: [Unicode.Scalar] = ["t", "h", "i", "s"]
        guard scalars.count >= word.count else { return false }
        for start in 0...(scalars.count - word.count) where Array(scalars[start..<start + 4]) == word {
            let next = start + 4
            if next == scalars.count || !isWordCharacter(scalars[next]) { return true }
        }
        return false
    }

    static func string<C: Collection>(_ scalars: C) -> String where C.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
