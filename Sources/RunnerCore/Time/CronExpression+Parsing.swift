extension CronExpression {
    /// What one field accepts.
    private struct FieldRule {
        let field: Field
        /// The smallest and largest value that may be written.
        let lower: Int
        let upper: Int
        /// Where `*` and `a/n` end: the same as `upper` except for day of week, whose `*` is
        /// 0-6 although 7 may be written for Sunday.
        let wildcardUpper: Int
        /// Upper-case three-letter names and their values.
        let names: [String: Int]
        /// The names' span for messages, such as `JAN-DEC`.
        let nameSpan: String
    }

    /// In expression order once the seconds field is in front.
    private static let rules: [FieldRule] = [
        FieldRule(field: .second, lower: 0, upper: 59, wildcardUpper: 59, names: [:], nameSpan: ""),
        FieldRule(field: .minute, lower: 0, upper: 59, wildcardUpper: 59, names: [:], nameSpan: ""),
        FieldRule(field: .hour, lower: 0, upper: 23, wildcardUpper: 23, names: [:], nameSpan: ""),
        FieldRule(field: .dayOfMonth, lower: 1, upper: 31, wildcardUpper: 31, names: [:], nameSpan: ""),
        FieldRule(
            field: .month,
            lower: 1,
            upper: 12,
            wildcardUpper: 12,
            names: [
                "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
                "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
            ],
            nameSpan: "JAN-DEC"
        ),
        FieldRule(
            field: .dayOfWeek,
            lower: 0,
            upper: 7,
            wildcardUpper: 6,
            names: ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6],
            nameSpan: "SUN-SAT"
        ),
    ]

    /// The `@` macros, as six-field expressions.
    private static let macros: [String: String] = [
        "@yearly": "0 0 0 1 1 *",
        "@annually": "0 0 0 1 1 *",
        "@monthly": "0 0 0 1 * *",
        "@weekly": "0 0 0 * * 0",
        "@daily": "0 0 0 * * *",
        "@midnight": "0 0 0 * * *",
        "@hourly": "0 0 * * * *",
    ]

    /// The schedule `expression` describes, and the expression with its whitespace normalized.
    static func parse(_ expression: String) throws(CronError) -> (Fields, String) {
        let words = expression.split(whereSeparator: { $0.isASCII && $0.isWhitespace })
        let written = words.joined(separator: " ")
        let texts: [Substring]
        if words.count == 1, let macro = words.first, macro.hasPrefix("@") {
            guard let expansion = macros[macro.lowercased()] else {
                throw CronError(
                    expression: expression,
                    field: nil,
                    message: "unknown macro \(CronError.quote(macro)) (expected @yearly, @annually, @monthly, @weekly, @daily, "
                        + "@midnight or @hourly)"
                )
            }
            texts = expansion.split(separator: " ")
        } else if words.count == 5 {
            texts = ["0"] + words
        } else if words.count == 6 {
            texts = words
        } else {
            throw CronError(
                expression: expression,
                field: nil,
                message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), found \(words.count)"
            )
        }
        var sets: [ValueSet] = []
        for (rule, text) in zip(rules, texts) {
            do {
                sets.append(try parseField(text, rule))
            } catch {
                throw CronError(expression: expression, field: rule.field, message: error.message)
            }
        }
        let fields = Fields(
            seconds: sets[0],
            minutes: sets[1],
            hours: sets[2],
            daysOfMonth: sets[3],
            months: sets[4],
            daysOfWeek: sets[5],
            dayOfMonthRestricted: texts[3] != "*" && texts[3] != "?",
            dayOfWeekRestricted: texts[5] != "*" && texts[5] != "?"
        )
        return (fields, written)
    }

    /// A problem within one field, before it is known which expression it belongs to.
    private struct FieldProblem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private static func parseField(_ text: Substring, _ rule: FieldRule) throws(FieldProblem) -> ValueSet {
        var set = ValueSet()
        if text == "?" {
            guard rule.field == .dayOfMonth || rule.field == .dayOfWeek else {
                throw FieldProblem("\"?\" is only allowed in the day-of-month and day-of-week fields")
            }
            for value in rule.lower...rule.wildcardUpper { set.insert(value) }
            return set
        }
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw FieldProblem("empty item in the list \(CronError.quote(text))") }
            set.formUnion(try parseItem(item, rule))
        }
        return set
    }

    /// One list item: `*`, `a`, `a-b`, each optionally followed by `/step`.
    private static func parseItem(_ item: Substring, _ rule: FieldRule) throws(FieldProblem) -> ValueSet {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw FieldProblem("\(CronError.quote(item)) has more than one \"/\"") }
        var step = 1
        if parts.count == 2 {
            guard let number = decimal(parts[1]) else {
                let problem = isDigits(parts[1]) ? "is too large" : "is not a number"
                throw FieldProblem("step \(CronError.quote(parts[1])) in \(CronError.quote(item)) \(problem)")
            }
            guard number > 0 else { throw FieldProblem("step 0 in \(CronError.quote(item)) must be at least 1") }
            step = number
        }
        let base = parts[0]
        let lower: Int
        let upper: Int
        if base == "*" {
            lower = rule.lower
            upper = rule.wildcardUpper
        } else if base == "?" {
            throw FieldProblem("\"?\" must stand alone in the day-of-month or day-of-week field")
        } else {
            let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1 {
                let start = try value(base, in: item, rule, endOfRange: false)
                // `7/2` starts the week on Sunday, like `0/2`.
                lower = parts.count == 2 && rule.field == .dayOfWeek && start == 7 ? 0 : start
                upper = parts.count == 2 ? max(lower, rule.wildcardUpper) : lower
            } else if bounds.count == 2 {
                lower = try value(bounds[0], in: item, rule, endOfRange: false)
                upper = try value(bounds[1], in: item, rule, endOfRange: true)
                guard lower <= upper else {
                    throw FieldProblem("range \(CronError.quote(base)) runs backwards (\(lower) is after \(upper))")
                }
            } else {
                throw FieldProblem("\(CronError.quote(item)) is not a number, name or range")
            }
        }
        var set = ValueSet()
        for value in stride(from: lower, through: upper, by: step) {
            set.insert(rule.field == .dayOfWeek && value == 7 ? 0 : value)
        }
        return set
    }

    private static func value(_ token: Substring, in item: Substring, _ rule: FieldRule, endOfRange: Bool) throws(FieldProblem) -> Int {
        guard !token.isEmpty else { throw FieldProblem("\(CronError.quote(item)) is missing a value") }
        if isDigits(token) {
            guard let number = decimal(token), (rule.lower...rule.upper).contains(number) else {
                let shown = token.count > 12 ? token.prefix(12) + "…" : token
                throw FieldProblem("\(shown) is outside \(rule.lower)-\(rule.upper)")
            }
            return number
        }
        guard !rule.names.isEmpty else { throw FieldProblem("\(CronError.quote(token)) is not a number") }
        guard let number = rule.names[token.uppercased()] else {
            throw FieldProblem("\(CronError.quote(token)) is not a number or a name (\(rule.nameSpan))")
        }
        // `FRI-SUN`: Sunday ends a range as 7.
        return endOfRange && rule.field == .dayOfWeek && number == 0 ? 7 : number
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// The value of at most nine ASCII digits (more could overflow, and no field needs them).
    private static func decimal(_ text: Substring) -> Int? {
        guard isDigits(text), text.utf8.count <= 9 else { return nil }
        return text.utf8.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
