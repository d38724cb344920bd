/// An error from parsing or rendering a template.
///
/// `line` and `column` are 1-based and count Unicode scalars; they are set for every syntax error
/// and, where the failing statement is known, for render errors too.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with the static members, e.g. `error.code == .syntax`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case syntax
            case missingPartial
            case missingHelper
            case depthExceeded
            case outputTooLarge
            case unsupported
            case invalidArguments
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// The source is not a valid template (handlebars.js would refuse to compile it).
        public static let syntax = Code(.syntax)
        /// `{{> name}}` named a partial that was not supplied.
        public static let missingPartial = Code(.missingPartial)
        /// A helper other than the built-in ones was called, e.g. `{{foo bar}}`.
        public static let missingHelper = Code(.missingHelper)
        /// Block and partial nesting went past `TemplateLimits.maxDepth`, or the source nests
        /// blocks deeper than the parser accepts.
        public static let depthExceeded = Code(.depthExceeded)
        /// The output grew past `TemplateLimits.maxOutputBytes`.
        public static let outputTooLarge = Code(.outputTooLarge)
        /// A Handlebars construct this engine deliberately does not implement (decorators,
        /// inline partials, partial blocks, raw blocks, subexpressions).
        public static let unsupported = Code(.unsupported)
        /// A built-in helper was called in a way handlebars.js rejects at render time,
        /// e.g. `{{#if a b}}` or `{{#each}}` without an argument.
        public static let invalidArguments = Code(.invalidArguments)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String
    public var line: Int?
    public var column: Int?

    public init(code: Code, message: String, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    init(_ code: Code, _ message: String, at location: SourceLocation?) {
        self.init(code: code, message: message, line: location?.line, column: location?.column)
    }

    public var description: String {
        guard let line else { return "\(code) error: \(message)" }
        if let column {
            return "\(code) error at line \(line), column \(column): \(message)"
        }
        return "\(code) error at line \(line): \(message)"
    }
}
