/// The helper functions of handlebars.js's `whitespace-control.js`, with its regular
/// expressions spelled out over Unicode scalars.
enum WhitespaceRules {
    /// `isPrevWhitespace`: does the content before `index` (or the end of `body`) end a line?
    static func isPrevWhitespace(_ body: [TemplateStatement], _ index: Int?, isRoot: Bool) -> Bool {
        let position = index ?? body.count
        guard position - 1 >= 0, position - 1 < body.count else { return isRoot }
        guard case .content(let previous) = body[position - 1] else { return false }
        let hasSibling = position - 2 >= 0
        let scalars = Array(previous.original.unicodeScalars)
        let trailing = scalars.reversed().prefix(while: JSCharacters.isWhitespace)
        // /\r?\n\s*?$/, or at the very start of the root: /(^|\r?\n)\s*?$/
        if trailing.contains("\n") { return true }
        return !(hasSibling || !isRoot) && trailing.count == scalars.count
    }

    /// `isNextWhitespace`: does the content after `index` (or the start of `body`) start with
    /// the end of a line?
    static func isNextWhitespace(_ body: [TemplateStatement], _ index: Int?, isRoot: Bool) -> Bool {
        let position = index ?? -1
        guard position + 1 >= 0, position + 1 < body.count else { return isRoot }
        guard case .content(let next) = body[position + 1] else { return false }
        let hasSibling = position + 2 < body.count
        let scalars = Array(next.original.unicodeScalars)
        let leading = scalars.prefix(while: JSCharacters.isWhitespace)
        // /^\s*?\r?\n/, or at the very end of the root: /^\s*?(\r?\n|$)/
        if leading.contains("\n") { return true }
        return !(hasSibling || !isRoot) && leading.count == scalars.count
    }

    /// `omitRight`: trims the start of the content after `index` (or the first statement).
    /// Without `multiple`, only spaces and tabs up to and including one line break.
    static func omitRight(_ body: inout [TemplateStatement], _ index: Int?, multiple: Bool = false) {
        let position = index.map { $0 + 1 } ?? 0
        guard position < body.count, case .content(var content) = body[position] else { return }
        if !multiple, content.rightStripped { return }
        let scalars = Array(content.value.unicodeScalars)
        var cut = 0
        if multiple {
            while cut < scalars.count, JSCharacters.isWhitespace(scalars[cut]) { cut += 1 }
        } else {
            while cut < scalars.count, scalars[cut] == " " || scalars[cut] == "\t" { cut += 1 }
            if cut < scalars.count, scalars[cut] == "\r" { cut += 1 }
            if cut < scalars.count, scalars[cut] == "\n" { cut += 1 }
        }
        content.value = JSCharacters.string(scalars[cut...])
        content.rightStripped = cut > 0
        body[position] = .content(content)
    }

    /// `omitLeft`: trims the end of the content before `index` (or the last statement), and
    /// tells whether anything was removed.
    @discardableResult
    static func omitLeft(_ body: inout [TemplateStatement], _ index: Int?, multiple: Bool = false) -> Bool {
        let position = index.map { $0 - 1 } ?? body.count - 1
        guard position >= 0, position < body.count, case .content(var content) = body[position] else { return false }
        if !multiple, content.leftStripped { return false }
        let scalars = Array(content.value.unicodeScalars)
        var end = scalars.count
        if multiple {
            while end > 0, JSCharacters.isWhitespace(scalars[end - 1]) { end -= 1 }
        } else {
            while end > 0, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        }
        content.value = JSCharacters.string(scalars[..<end])
        content.leftStripped = end < scalars.count
        body[position] = .content(content)
        return content.leftStripped
    }

    /// `/([ \t]+$)/`: the indentation before a standalone partial.
    static func trailingIndent(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        let indent = scalars.reversed().prefix(while: { $0 == " " || $0 == "\t" })
        return JSCharacters.string(indent.reversed())
    }
}
