/// A port of handlebars.js's jison lexer (`src/handlebars.l`, first matching rule wins).
///
/// The whole source is tokenized up front, iteratively. Lexing stops at the first token that
/// can only end in an error (a lexical error, or a construct this engine does not support), so
/// the parser reports whichever problem comes first in the source.
struct TemplateLexer {
    private enum State { case initial, mustache, escapedContent, longComment, done }

    let scalars: [Unicode.Scalar]
    private let lines: LineTable
    private(set) var position = 0
    private var state = State.initial
    private var tokens: [TemplateToken] = []

    static func tokenize(_ source: String) -> [TemplateToken] {
        var lexer = TemplateLexer(source)
        while lexer.state != .done {
            switch lexer.state {
            case .initial: lexer.lexContent()
            case .mustache: lexer.lexMustache()
            case .escapedContent: lexer.lexEscapedContent()
            case .longComment: lexer.lexLongComment()
            case .done: break
            }
        }
        return lexer.tokens
    }

    private init(_ source: String) {
        scalars = Array(source.unicodeScalars)
        lines = LineTable(scalars)
    }

    // MARK: - Token output

    mutating func emit(_ kind: TemplateToken.Kind, from start: Int, to end: Int, text: String? = nil) {
        let tokenText = text ?? JSCharacters.string(scalars[start..<end])
        tokens.append(TemplateToken(kind: kind, text: tokenText, location: lines.location(of: start)))
        position = end
    }

    /// Emits a token after which nothing valid can follow, and stops.
    private mutating func emitFinal(_ kind: TemplateToken.Kind, from start: Int, to end: Int, text: String? = nil) {
        emit(kind, from: start, to: end, text: text)
        state = .done
    }

    func scalar(at index: Int) -> Unicode.Scalar? {
        index >= 0 && index < scalars.count ? scalars[index] : nil
    }

    func hasPrefix(_ prefix: String, at index: Int) -> Bool {
        var current = index
        for expected in prefix.unicodeScalars {
            guard scalar(at: current) == expected else { return false }
            current += 1
        }
        return true
    }

    // MARK: - INITIAL and emu states

    /// `[^\x00]*?/("{{")` with its backslash handling, else `[^\x00]+`.
    private mutating func lexContent() {
        let start = position
        if start == scalars.count {
            emitFinal(.eof, from: start, to: start, text: "")
            return
        }
        var index = start
        var mustacheStart: Int?
        while index < scalars.count, scalars[index] != "\0" {
            if scalars[index] == "{", scalar(at: index + 1) == "{" {
                mustacheStart = index
                break
            }
            index += 1
        }
        guard let open = mustacheStart else {
            if index > start { emit(.content, from: start, to: index) }
            if index < scalars.count {
                emitFinal(.lexError, from: index, to: index + 1, text: "NUL character in template")
            }
            return
        }
        var contentEnd = open
        var next = State.mustache
        if open - start >= 2, scalars[open - 1] == "\\", scalars[open - 2] == "\\" {
            contentEnd = open - 1  // `\\{{`: a literal backslash, then a real mustache
        } else if open - start >= 1, scalars[open - 1] == "\\" {
            contentEnd = open - 1  // `\{{`: an escaped, literal mustache
            next = .escapedContent
        }
        if contentEnd > start {
            emit(.content, from: start, to: contentEnd)
        }
        position = open
        state = next
    }

    /// `<emu>[^\x00]{2,}?/("{{"|"\\{{"|"\\\\{{"|<<EOF>>)`.
    private mutating func lexEscapedContent() {
        let start = position
        var index = start
        while true {
            if index - start >= 2 {
                if index == scalars.count || hasPrefix("{{", at: index) || hasPrefix("\\{{", at: index)
                    || hasPrefix("\\\\{{", at: index)
                {
                    emit(.content, from: start, to: index)
                    state = .initial
                    return
                }
            }
            if index == scalars.count || scalars[index] == "\0" {
                emitFinal(.lexError, from: index, to: index, text: "NUL character in template")
                return
            }
            index += 1
        }
    }

    /// `<com>[\s\S]*?"--"~?"}}"`, entered at the `{{` of `{{!--`.
    private mutating func lexLongComment() {
        let start = position
        var index = start
        while index < scalars.count {
            if hasPrefix("--}}", at: index) {
                emit(.comment, from: start, to: index + 4)
                state = .initial
                return
            }
            if hasPrefix("--~}}", at: index) {
                emit(.comment, from: start, to: index + 5)
                state = .initial
                return
            }
            index += 1
        }
        emitFinal(.lexError, from: start, to: scalars.count, text: "unclosed comment: '{{!--' without '--}}'")
    }

    // MARK: - mu state

    private mutating func lexMustache() {
        let start = position
        guard let first = scalar(at: start) else {
            emitFinal(.eof, from: start, to: start, text: "")
            return
        }
        if first == "(" { return emitFinal(.openSexpr, from: start, to: start + 1) }
        if first == ")" { return emitFinal(.closeSexpr, from: start, to: start + 1) }
        if hasPrefix("{{{{", at: start) { return emitFinal(.openRawBlock, from: start, to: start + 4) }
        if hasPrefix("}}}}", at: start) { return emitFinal(.closeRawBlock, from: start, to: start + 4) }
        if hasPrefix("{{", at: start) { return lexOpenTag() }
        if first == "=" { return emit(.equals, from: start, to: start + 1) }
        if hasPrefix("..", at: start) { return emit(.id, from: start, to: start + 2) }
        if first == ".", let next = scalar(at: start + 1), JSCharacters.isIDLookahead(next) {
            return emit(.id, from: start, to: start + 1)
        }
        if first == "/" || first == "." { return emit(.sep, from: start, to: start + 1) }
        if JSCharacters.isWhitespace(first) {
            var index = start
            while let next = scalar(at: index), JSCharacters.isWhitespace(next) { index += 1 }
            position = index
            return
        }
        if hasPrefix("}}}", at: start) || hasPrefix("}~}}", at: start) {
            let end = start + (scalars[start + 1] == "~" ? 4 : 3)
            emit(.closeUnescaped, from: start, to: end)
            state = .initial
            return
        }
        if hasPrefix("}}", at: start) || hasPrefix("~}}", at: start) {
            emit(.close, from: start, to: start + (first == "~" ? 3 : 2))
            state = .initial
            return
        }
        if first == "\"" || first == "'", lexQuoted(opening: first, closing: first, kind: .string) { return }
        if first == "@" { return emit(.data, from: start, to: start + 1) }
        if lexKeywordLiteral() || lexNumber() { return }
        if hasPrefix("as", at: start), let next = scalar(at: start + 2), JSCharacters.isWhitespace(next) {
            var index = start + 2
            while let next = scalar(at: index), JSCharacters.isWhitespace(next) { index += 1 }
            if scalar(at: index) == "|" { return emit(.openBlockParams, from: start, to: index + 1) }
        }
        if first == "|" { return emit(.closeBlockParams, from: start, to: start + 1) }
        if JSCharacters.isIDCharacter(first) {
            var index = start
            while let next = scalar(at: index), JSCharacters.isIDCharacter(next) { index += 1 }
            if let next = scalar(at: index), JSCharacters.isIDLookahead(next) {
                return emit(.id, from: start, to: index)
            }
        }
        if first == "[", lexQuoted(opening: "[", closing: "]", kind: .id) { return }
        emitFinal(.invalid, from: start, to: start + 1)
    }

    /// The rules that start with `{{` (the mustache state is entered at one).
    private mutating func lexOpenTag() {
        let start = position
        var index = start + 2
        if scalar(at: index) == "~" { index += 1 }
        let marker = scalar(at: index)
        switch marker {
        case ">": return emit(.openPartial, from: start, to: index + 1)
        case "#":
            if scalar(at: index + 1) == ">" { return emitFinal(.openPartialBlock, from: start, to: index + 2) }
            return emit(.openBlock, from: start, to: index + (scalar(at: index + 1) == "*" ? 2 : 1))
        case "/": return emit(.openEndBlock, from: start, to: index + 1)
        default: break
        }
        if marker == "^", let end = closingBraces(after: skipWhitespace(from: index + 1)) {
            emit(.inverse, from: start, to: end)
            state = .initial
            return
        }
        let elseStart = skipWhitespace(from: index)
        if hasPrefix("else", at: elseStart) {
            if let end = closingBraces(after: skipWhitespace(from: elseStart + 4)) {
                emit(.inverse, from: start, to: end)
                state = .initial
                return
            }
        }
        if marker == "^" { return emit(.openInverse, from: start, to: index + 1) }
        if hasPrefix("else", at: elseStart) {
            let after = scalar(at: elseStart + 4)
            if after.map({ !JSCharacters.isWordCharacter($0) }) ?? true {
                return emit(.openInverseChain, from: start, to: elseStart + 4)
            }
        }
        switch marker {
        case "{": return emit(.openUnescaped, from: start, to: index + 1)
        case "&": return emit(.open, from: start, to: index + 1)
        default: break
        }
        if hasPrefix("!--", at: index) {
            state = .longComment
            return
        }
        if marker == "!" {
            var end = index + 1
            while end < scalars.count, !hasPrefix("}}", at: end) { end += 1 }
            if end < scalars.count {
                emit(.comment, from: start, to: end + 2)
                state = .initial
                return
            }
        }
        emit(.open, from: start, to: index + (marker == "*" ? 1 : 0))
    }
}
