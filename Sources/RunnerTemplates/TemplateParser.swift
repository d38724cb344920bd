/// A recursive-descent parser for handlebars.js's grammar (`src/handlebars.yy`), building the
/// same AST shapes (`prepareBlock`, `prepareMustache`, … in `compiler/helpers.js`), followed by
/// its whitespace-control pass.
struct TemplateParser {
    /// How deeply blocks (including each `{{else if}}` link) may nest in the source.
    static let maxNestingDepth = 100

    private let tokens: [TemplateToken]
    private(set) var index = 0
    private var nesting = 0

    static func parse(_ source: String) throws(TemplateError) -> TemplateProgram {
        var parser = TemplateParser(tokens: TemplateLexer.tokenize(source))
        var program = try parser.parseProgram()
        guard parser.current.kind == .eof else { throw parser.unexpected(parser.current) }
        WhitespaceControl.apply(to: &program)
        return program
    }

    private init(tokens: [TemplateToken]) {
        self.tokens = tokens
    }

    // MARK: - Token access

    var current: TemplateToken { token(at: index) }

    func token(at position: Int) -> TemplateToken {
        if position < tokens.count { return tokens[position] }
        let location = tokens.last?.location ?? SourceLocation(line: 1, column: 1)
        return TemplateToken(kind: .eof, text: "", location: location)
    }

    mutating func advance() -> TemplateToken {
        let token = current
        index += 1
        return token
    }

    mutating func expect(_ kind: TemplateToken.Kind, _ what: String) throws(TemplateError) -> TemplateToken {
        guard current.kind == kind else { throw unexpected(current, expecting: what) }
        return advance()
    }

    // MARK: - Statements

    /// `statement*`, up to a token that ends a program (`{{else}}`, `{{/…}}`, end of input).
    private mutating func parseProgram() throws(TemplateError) -> TemplateProgram {
        var body: [TemplateStatement] = []
        while true {
            let token = current
            switch token.kind {
            case .content:
                _ = advance()
                body.append(.content(ContentStatement(original: token.text, value: token.text)))
            case .comment:
                _ = advance()
                body.append(.comment(Self.stripFlags(open: token.text, close: token.text)))
            case .open, .openUnescaped:
                body.append(.mustache(try parseMustache()))
            case .openBlock, .openInverse:
                body.append(.block(try parseBlock()))
            case .openPartial:
                body.append(.partial(try parsePartial()))
            case .inverse, .openInverseChain, .openEndBlock, .eof:
                return TemplateProgram(body: body)
            default:
                throw unexpected(token)
            }
        }
    }

    private mutating func parseMustache() throws(TemplateError) -> MustacheStatement {
        let open = advance()
        if open.kind == .open, open.text.unicodeScalars.contains("*") {
            throw TemplateError(.unsupported, "decorators ('{{*decorator}}') are not supported", at: open.location)
        }
        let name = try parseHelperName()
        let (params, hash) = try parseParamsAndHash()
        let close =
            open.kind == .openUnescaped
            ? try expect(.closeUnescaped, "'}}}'") : try expect(.close, "'}}'")
        let scalars = Array(open.text.unicodeScalars)
        let flag = scalars.count > 3 ? scalars[3] : (scalars.count > 2 ? scalars[2] : nil)
        return MustacheStatement(
            path: name.asPath,
            params: params,
            hash: hash,
            escaped: flag != "{" && flag != "&",
            strip: Self.stripFlags(open: open.text, close: close.text),
            location: open.location
        )
    }

    private mutating func parsePartial() throws(TemplateError) -> PartialStatement {
        let open = advance()
        if current.kind == .openSexpr {
            throw TemplateError(
                .unsupported,
                "dynamic partials ('{{> (expression)}}') are not supported",
                at: current.location
            )
        }
        let name = try parseHelperName()
        if name.partialName == "@partial-block" {
            throw TemplateError(.unsupported, "partial blocks ('{{> @partial-block}}') are not supported", at: open.location)
        }
        let (params, hash) = try parseParamsAndHash()
        let close = try expect(.close, "'}}'")
        if params.count > 1 {
            throw TemplateError(
                .syntax,
                "Unsupported number of partial arguments: \(params.count)",
                at: open.location
            )
        }
        return PartialStatement(
            name: name.partialName,
            params: params,
            hash: hash,
            indent: "",
            strip: Self.stripFlags(open: open.text, close: close.text),
            location: open.location
        )
    }

    // MARK: - Blocks

    /// The parts of `{{#name params hash as |x y|}}` (openBlock, openInverse, openInverseChain).
    private struct OpenTag {
        var name: HelperName
        var params: [TemplateExpression]
        var hash: [HashPair]?
        var blockParams: [String]?
        var strip: StripFlags
        var location: SourceLocation
    }

    /// `inverseAndProgram` or `inverseChain` of the grammar.
    private struct InverseBranch {
        var strip: StripFlags
        var program: TemplateProgram
        var chain: Bool
    }

    private mutating func enterBlock(_ token: TemplateToken) throws(TemplateError) {
        nesting += 1
        if nesting > Self.maxNestingDepth {
            throw TemplateError(
                .depthExceeded,
                "blocks are nested more than \(Self.maxNestingDepth) deep",
                at: token.location
            )
        }
    }

    private mutating func parseOpenTag() throws(TemplateError) -> OpenTag {
        let open = advance()
        if open.kind == .openBlock, open.text.unicodeScalars.contains("*") {
            throw TemplateError(
                .unsupported,
                "decorator blocks and inline partials ('{{#*inline}}') are not supported",
                at: open.location
            )
        }
        let name = try parseHelperName()
        let (params, hash) = try parseParamsAndHash()
        let blockParams = try parseBlockParams()
        let close = try expect(.close, "'}}'")
        return OpenTag(
            name: name,
            params: params,
            hash: hash,
            blockParams: blockParams,
            strip: Self.stripFlags(open: open.text, close: close.text),
            location: open.location
        )
    }

    private mutating func parseBlock() throws(TemplateError) -> BlockStatement {
        let inverted = current.kind == .openInverse
        try enterBlock(current)
        defer { nesting -= 1 }
        let open = try parseOpenTag()
        var program = try parseProgram()
        program.blockParams = open.blockParams
        var branch: InverseBranch?
        if current.kind == .openInverseChain, !inverted {
            branch = try parseInverseChain()
        } else if current.kind == .inverse {
            branch = try parseInverseAndProgram()
        }
        let closeStrip = try parseCloseBlock(for: open)
        return Self.prepareBlock(open, program, branch, closeStrip: closeStrip, inverted: inverted)
    }

    private mutating func parseInverseAndProgram() throws(TemplateError) -> InverseBranch {
        let token = advance()
        let program = try parseProgram()
        return InverseBranch(strip: Self.stripFlags(open: token.text, close: token.text), program: program, chain: false)
    }

    /// `{{else name …}}program` followed by more of the chain: a nested block in a chained program.
    private mutating func parseInverseChain() throws(TemplateError) -> InverseBranch {
        try enterBlock(current)
        defer { nesting -= 1 }
        let open = try parseOpenTag()
        var program = try parseProgram()
        program.blockParams = open.blockParams
        var nested: InverseBranch?
        if current.kind == .openInverseChain {
            nested = try parseInverseChain()
        } else if current.kind == .inverse {
            nested = try parseInverseAndProgram()
        }
        let block = Self.prepareBlock(open, program, nested, closeStrip: nested?.strip, inverted: false)
        let chained = TemplateProgram(body: [.block(block)], blockParams: nil, chained: true)
        return InverseBranch(strip: open.strip, program: chained, chain: true)
    }

    private mutating func parseCloseBlock(for open: OpenTag) throws(TemplateError) -> StripFlags {
        guard current.kind == .openEndBlock else {
            throw unexpected(
                current,
                expecting: "'{{/\(open.name.closeName)}}' to close the block opened at line \(open.location.line), "
                    + "column \(open.location.column)"
            )
        }
        let endToken = advance()
        let name = try parseHelperName()
        let close = try expect(.close, "'}}'")
        if name.identity != open.name.identity {
            throw TemplateError(
                .syntax,
                "\(open.name.closeName) doesn't match \(name.closeName) (block opened at line "
                    + "\(open.location.line), column \(open.location.column))",
                at: endToken.location
            )
        }
        return Self.stripFlags(open: endToken.text, close: close.text)
    }

    /// handlebars.js's `prepareBlock`.
    private static func prepareBlock(
        _ open: OpenTag,
        _ program: TemplateProgram,
        _ branch: InverseBranch?,
        closeStrip: StripFlags?,
        inverted: Bool
    ) -> BlockStatement {
        var mainProgram: TemplateProgram? = program
        var inverse: TemplateProgram?
        var inverseStrip = StripFlags()
        if var branch {
            if branch.chain, case .block(var chainedBlock)? = branch.program.body.first {
                chainedBlock.closeStrip = closeStrip ?? StripFlags()
                branch.program.body[0] = .block(chainedBlock)
            }
            inverseStrip = branch.strip
            inverse = branch.program
        }
        if inverted { swap(&mainProgram, &inverse) }
        return BlockStatement(
            path: open.name.asPath,
            params: open.params,
            hash: open.hash,
            program: mainProgram,
            inverse: inverse,
            openStrip: open.strip,
            inverseStrip: inverseStrip,
            closeStrip: closeStrip ?? StripFlags(),
            location: open.location
        )
    }

    /// handlebars.js's `stripFlags`: a `~` just inside the opening or closing braces.
    static func stripFlags(open: String, close: String) -> StripFlags {
        let openScalars = Array(open.unicodeScalars)
        let closeScalars = Array(close.unicodeScalars)
        return StripFlags(
            open: openScalars.count > 2 && openScalars[2] == "~",
            close: closeScalars.count >= 3 && closeScalars[closeScalars.count - 3] == "~"
        )
    }
}
