/// The parsed form of a template: the same shapes as handlebars.js's AST, so that its
/// whitespace rules and runtime can be followed step by step.

/// A 1-based line and column (in Unicode scalars) in the template source.
struct SourceLocation: Sendable, Hashable {
    var line: Int
    var column: Int
}

/// `~` on the inner side of a tag: `open` for `{{~`, `close` for `~}}`.
struct StripFlags: Sendable, Hashable {
    var open = false
    var close = false
}

/// A literal written in a tag: `"x"`, `'x'`, `12`, `-1.5`, `true`, `false`, `null`, `undefined`.
enum TemplateLiteral: Sendable, Hashable {
    case string(String)
    case number(Double)
    case boolean(Bool)
    case null
    case undefined

    /// The literal as handlebars.js turns it into a name (`String(value)`).
    var name: String {
        switch self {
        case .string(let value): return value
        case .number(let value): return JSNumberFormatter.string(from: value)
        case .boolean(let value): return value ? "true" : "false"
        case .null: return "null"
        case .undefined: return "undefined"
        }
    }

    var value: TemplateValue {
        switch self {
        case .string(let value): return .string(value)
        case .number(let value): return .double(value)
        case .boolean(let value): return .bool(value)
        case .null: return .null
        case .undefined: return .undefined
        }
    }
}

/// A path such as `a.b`, `../x`, `this.[key]` or `@root.x`.
struct PathExpression: Sendable {
    /// Written with a leading `@`.
    var isData: Bool
    /// How many `..` segments it starts with.
    var depth: Int
    /// The segments that are looked up, without `this`, `.` and `..`.
    var parts: [String]
    /// The path as written, re-joined from its segments (`[a b]` becomes `a b`).
    var original: String
    var location: SourceLocation

    /// handlebars.js's `scopedId`: starts with `.` or mentions `this` as a word.
    var isScoped: Bool

    init(isData: Bool, depth: Int, parts: [String], original: String, location: SourceLocation) {
        self.isData = isData
        self.depth = depth
        self.parts = parts
        self.original = original
        self.location = location
        let scalars = Array(original.unicodeScalars)
        self.isScoped = scalars.first == "." || JSCharacters.containsWordThis(scalars)
    }

    /// handlebars.js's `simpleId`: one segment, not scoped, no `..`.
    var isSimple: Bool { parts.count == 1 && !isScoped && depth == 0 }
}

/// A helper parameter or hash value.
enum TemplateExpression: Sendable {
    case path(PathExpression)
    case literal(TemplateLiteral)
}

struct HashPair: Sendable {
    var key: String
    var value: TemplateExpression
}

/// Literal text between tags. `value` is what renders once whitespace control has trimmed it;
/// `original` is the text as written, which the standalone-line rules look at.
struct ContentStatement: Sendable {
    var original: String
    var value: String
    var leftStripped = false
    var rightStripped = false
}

/// `{{path params hash}}`, `{{{…}}}` or `{{& …}}`.
struct MustacheStatement: Sendable {
    var path: PathExpression
    var params: [TemplateExpression]
    var hash: [HashPair]?
    var escaped: Bool
    var strip: StripFlags
    var location: SourceLocation
}

/// `{{#path …}}…{{else}}…{{/path}}` and `{{^path}}…{{/path}}`.
struct BlockStatement: Sendable {
    var path: PathExpression
    var params: [TemplateExpression]
    var hash: [HashPair]?
    var program: TemplateProgram?
    var inverse: TemplateProgram?
    var openStrip: StripFlags
    var inverseStrip: StripFlags
    var closeStrip: StripFlags
    var location: SourceLocation
}

/// `{{> name context key=value}}`.
struct PartialStatement: Sendable {
    var name: String
    var params: [TemplateExpression]
    var hash: [HashPair]?
    /// The whitespace before a standalone partial tag, prefixed to every line it renders.
    var indent: String
    var strip: StripFlags
    var location: SourceLocation
}

enum TemplateStatement: Sendable {
    case content(ContentStatement)
    case comment(StripFlags)
    case mustache(MustacheStatement)
    case block(BlockStatement)
    case partial(PartialStatement)
}

/// A sequence of statements: a whole template, or the body of a block or `{{else}}` branch.
struct TemplateProgram: Sendable {
    var body: [TemplateStatement]
    /// Names from `as |a b|` on the block that owns this program.
    var blockParams: [String]?
    /// The inverse of a block that continues with `{{else something}}`: its body is that block.
    var chained = false
}
