/// The lexer rules for literals: strings, `[segments]`, numbers and keywords.
extension TemplateLexer {
    func skipWhitespace(from index: Int) -> Int {
        var current = index
        while let next = scalar(at: current), JSCharacters.isWhitespace(next) { current += 1 }
        return current
    }

    /// The end of `~?}}` at `index`, if it is there.
    func closingBraces(after index: Int) -> Int? {
        let current = scalar(at: index) == "~" ? index + 1 : index
        return hasPrefix("}}", at: current) ? current + 2 : nil
    }

    /// `"(\\"|[^"])*"`, `'…'` and `[(\\]|[^\]])*]`: the longest match, as the regex finds it.
    mutating func lexQuoted(opening: Unicode.Scalar, closing: Unicode.Scalar, kind: TemplateToken.Kind) -> Bool {
        let start = position
        var index = start + 1
        var lastEscapedClosing: Int?
        var end: Int?
        while index < scalars.count {
            if scalars[index] == "\\", scalar(at: index + 1) == closing {
                lastEscapedClosing = index + 1
                index += 2
            } else if scalars[index] == closing {
                end = index + 1
                break
            } else {
                index += 1
            }
        }
        guard let tokenEnd = end ?? lastEscapedClosing.map({ $0 + 1 }) else { return false }
        let raw = Array(scalars[start..<tokenEnd])
        let text: String
        if kind == .string {
            text = JSCharacters.string(Self.unescape(Array(raw.dropFirst().dropLast()), escapable: [closing]))
        } else {
            text = JSCharacters.string(Self.unescape(raw, escapable: ["\\", "]"]))
        }
        emit(kind, from: start, to: tokenEnd, text: text)
        return true
    }

    /// Replaces `\x` by `x` for the escapable characters, left to right.
    private static func unescape(_ scalars: [Unicode.Scalar], escapable: Set<Unicode.Scalar>) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        var index = 0
        while index < scalars.count {
            if scalars[index] == "\\", index + 1 < scalars.count, escapable.contains(scalars[index + 1]) {
                result.append(scalars[index + 1])
                index += 2
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return result
    }

    mutating func lexKeywordLiteral() -> Bool {
        let keywords: [(String, TemplateToken.Kind)] = [
            ("true", .boolean), ("false", .boolean), ("undefined", .undefined), ("null", .null),
        ]
        for (word, kind) in keywords where hasPrefix(word, at: position) {
            let end = position + word.unicodeScalars.count
            if let next = scalar(at: end), JSCharacters.isLiteralLookahead(next) {
                emit(kind, from: position, to: end)
                return true
            }
        }
        return false
    }

    /// `-?[0-9]+(?:\.[0-9]+)?` followed by `[~}\s)]`.
    mutating func lexNumber() -> Bool {
        var index = position
        if scalar(at: index) == "-" { index += 1 }
        let digitsStart = index
        while let next = scalar(at: index), ("0"..."9").contains(next) { index += 1 }
        guard index > digitsStart else { return false }
        if scalar(at: index) == ".", let digit = scalar(at: index + 1), ("0"..."9").contains(digit) {
            index += 1
            while let next = scalar(at: index), ("0"..."9").contains(next) { index += 1 }
        }
        guard let next = scalar(at: index), JSCharacters.isLiteralLookahead(next) else { return false }
        emit(.number, from: position, to: index)
        return true
    }
}
