/// Why a cron expression was rejected.
///
/// `description` is the line to log or to show whoever wrote the bindings file; it names the
/// expression, the field at fault and the offending text:
/// `cron "0 61 * * *": minute field: 61 is outside 0-59`.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The expression as it was given.
    public let expression: String
    /// The field at fault, or `nil` when the expression as a whole is wrong (its field count, an
    /// unknown `@` macro).
    public let field: CronExpression.Field?
    /// What is wrong, quoting the offending text.
    public let message: String

    public init(expression: String, field: CronExpression.Field?, message: String) {
        self.expression = expression
        self.field = field
        self.message = message
    }

    public var description: String {
        let subject = "cron \(Self.quote(expression))"
        guard let field else { return "\(subject): \(message)" }
        return "\(subject): \(field) field: \(message)"
    }

    /// `text` in double quotes with control characters and quotes escaped, cut at 80 characters:
    /// an expression comes from a tenant's bindings file, so it must not break a log line.
    static func quote(_ text: some StringProtocol) -> String {
        let limit = 80
        let shown = text.count > limit ? String(text.prefix(limit)) + "…" : String(text)
        return String(reflecting: shown)
    }
}
