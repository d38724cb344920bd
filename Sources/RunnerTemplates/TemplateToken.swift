/// A token of handlebars.js's lexer (`src/handlebars.l`), with the same names.
struct TemplateToken: Sendable {
    enum Kind: Sendable, Equatable {
        case content
        case comment
        case open  // {{  {{&  {{*
        case openUnescaped  // {{{
        case openBlock  // {{#  {{#*
        case openEndBlock  // {{/
        case openInverse  // {{^
        case openInverseChain  // {{else
        case inverse  // {{^}}  {{else}}
        case openPartial  // {{>
        case close  // }}
        case closeUnescaped  // }}}
        case equals
        case id
        case sep
        case string
        case number
        case boolean
        case undefined
        case null
        case data  // @
        case openBlockParams  // as |
        case closeBlockParams  // |
        // Tokens of constructs this engine does not implement.
        case openSexpr  // (
        case closeSexpr  // )
        case openRawBlock  // {{{{
        case closeRawBlock  // }}}}
        case openPartialBlock  // {{#>
        /// A character no rule accepts inside a tag.
        case invalid
        /// Text the lexer cannot tokenize at all (a NUL character, an unclosed `{{!--`).
        case lexError
        case eof
    }

    var kind: Kind
    /// The token's text after the lexer's own processing (quotes stripped from strings…).
    var text: String
    var location: SourceLocation

    /// How a parse error names this token.
    var display: String {
        switch kind {
        case .eof: return "end of template"
        case .content: return "text"
        case .string: return "string \"\(text)\""
        default: return "'\(text)'"
        }
    }
}
