/// The expression part of the grammar: helper names, parameters, hashes, paths, block params.

/// The `helperName` of the grammar: a path, `@data` path or literal.
struct HelperName {
    enum Identity: Equatable {
        case string(String)
        case number(Double)
        case boolean(Bool)
        case null
        case undefined
    }

    var path: PathExpression?
    var literal: TemplateLiteral?
    var location: SourceLocation

    /// What handlebars.js compares when matching `{{#x}}` with `{{/x}}` (`path.original`).
    var identity: Identity {
        if let path { return .string(path.original) }
        switch literal {
        case .string(let value): return .string(value)
        case .number(let value): return .number(value)
        case .boolean(let value): return .boolean(value)
        case .null: return .null
        case .undefined, nil: return .undefined
        }
    }

    var closeName: String { path?.original ?? literal?.name ?? "undefined" }

    /// The name a partial is looked up by.
    var partialName: String { closeName }

    /// handlebars.js's `transformLiteralToPath`: `{{"a b"}}` and `{{true}}` look up a name.
    var asPath: PathExpression {
        if let path { return path }
        let name = literal?.name ?? "undefined"
        return PathExpression(isData: false, depth: 0, parts: [name], original: name, location: location)
    }
}

extension TemplateParser {
    mutating func parseHelperName() throws(TemplateError) -> HelperName {
        let token = current
        switch token.kind {
        case .id:
            return HelperName(path: try parsePath(isData: false, location: token.location), location: token.location)
        case .data:
            _ = advance()
            return HelperName(path: try parsePath(isData: true, location: token.location), location: token.location)
        case .string, .number, .boolean, .undefined, .null:
            _ = advance()
            return HelperName(path: nil, literal: Self.literal(token), location: token.location)
        default:
            throw unexpected(token, expecting: "a name, path or literal")
        }
    }

    private static func literal(_ token: TemplateToken) -> TemplateLiteral {
        switch token.kind {
        case .string: return .string(token.text)
        case .number: return .number(Double(token.text) ?? .nan)
        case .boolean: return .boolean(token.text == "true")
        case .null: return .null
        default: return .undefined
        }
    }

    /// `param* hash?`: a hash starts at the first `ID =`.
    mutating func parseParamsAndHash() throws(TemplateError) -> ([TemplateExpression], [HashPair]?) {
        var params: [TemplateExpression] = []
        while !startsHashPair, let param = try parseParam() {
            params.append(param)
        }
        var pairs: [HashPair] = []
        while startsHashPair {
            let key = Self.id(advance().text)
            _ = advance()
            guard let value = try parseParam() else { throw unexpected(current, expecting: "a value after '='") }
            pairs.append(HashPair(key: key, value: value))
        }
        return (params, pairs.isEmpty ? nil : pairs)
    }

    private var startsHashPair: Bool {
        current.kind == .id && token(at: index + 1).kind == .equals
    }

    /// One `param`, or nil when the next token cannot start one.
    private mutating func parseParam() throws(TemplateError) -> TemplateExpression? {
        switch current.kind {
        case .id, .data, .string, .number, .boolean, .undefined, .null:
            let name = try parseHelperName()
            if let path = name.path { return .path(path) }
            return .literal(name.literal ?? .undefined)
        case .openSexpr:
            throw TemplateError(.unsupported, "subexpressions ('(helper …)') are not supported", at: current.location)
        default:
            return nil
        }
    }

    /// `as |a b|`.
    mutating func parseBlockParams() throws(TemplateError) -> [String]? {
        guard current.kind == .openBlockParams else { return nil }
        let open = advance()
        var names: [String] = []
        while current.kind == .id { names.append(advance().text) }
        guard !names.isEmpty else { throw unexpected(current, expecting: "a block parameter name") }
        _ = try expect(.closeBlockParams, "'|'")
        // handlebars.js passes the whole list to `id()`, which fails on `[…]` names.
        if Self.isBracketed(names.joined(separator: ",")) {
            throw TemplateError(.syntax, "block parameters cannot be written in [brackets]", at: open.location)
        }
        return names
    }

    /// `pathSegments` (ID (SEP ID)*) and handlebars.js's `preparePath`.
    private mutating func parsePath(isData: Bool, location: SourceLocation) throws(TemplateError) -> PathExpression {
        var segments: [(separator: String, text: String)] = []
        segments.append((separator: "", text: try expect(.id, "a name").text))
        while current.kind == .sep {
            let separator = advance().text
            segments.append((separator: separator, text: try expect(.id, "a name after '\(separator)'").text))
        }
        var original = isData ? "@" : ""
        var parts: [String] = []
        var depth = 0
        for segment in segments {
            let part = Self.id(segment.text)
            let isLiteral = part != segment.text
            original += segment.separator + part
            if !isLiteral, part == ".." || part == "." || part == "this" {
                if !parts.isEmpty {
                    throw TemplateError(.syntax, "Invalid path: \(original)", at: location)
                }
                if part == ".." { depth += 1 }
            } else {
                parts.append(part)
            }
        }
        return PathExpression(isData: isData, depth: depth, parts: parts, original: original, location: location)
    }

    /// handlebars.js's `id()`: `[literal segment]` loses its brackets.
    static func id(_ token: String) -> String {
        guard isBracketed(token) else { return token }
        let scalars = Array(token.unicodeScalars)
        return JSCharacters.string(scalars[1..<(scalars.count - 1)])
    }

    /// `/^\[.*\]$/`: `.` does not match line terminators.
    private static func isBracketed(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 2, scalars.first == "[", scalars.last == "]" else { return false }
        return !scalars[1..<(scalars.count - 1)].contains(where: JSCharacters.isLineTerminator)
    }

    // MARK: - Errors

    func unexpected(_ token: TemplateToken, expecting: String? = nil) -> TemplateError {
        let location = token.location
        switch token.kind {
        case .openSexpr:
            return TemplateError(.unsupported, "subexpressions ('(helper …)') are not supported", at: location)
        case .openRawBlock:
            return TemplateError(.unsupported, "raw blocks ('{{{{raw}}}}') are not supported", at: location)
        case .openPartialBlock:
            return TemplateError(.unsupported, "partial blocks ('{{#> partial}}') are not supported", at: location)
        case .lexError:
            return TemplateError(.syntax, "Lexical error: \(token.text)", at: location)
        case .inverse where expecting == nil, .openInverseChain where expecting == nil:
            return TemplateError(.syntax, "Parse error: '{{else}}' outside of a block", at: location)
        case .openEndBlock where expecting == nil:
            return TemplateError(.syntax, "Parse error: closing tag without an open block", at: location)
        default:
            var message = "Parse error: unexpected \(token.display)"
            if let expecting { message += ", expected \(expecting)" }
            return TemplateError(.syntax, message, at: location)
        }
    }
}
