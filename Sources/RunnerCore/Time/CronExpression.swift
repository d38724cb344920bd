/// A parsed cron schedule: when a timer from a tenant's bindings fires (SPEC §7).
///
/// Parse once with ``init(_:)`` (an invalid expression fails the load with a ``CronError`` that
/// names the field), then ask ``nextFire(after:in:)`` when to wake up and
/// ``latestFire(atOrBefore:in:)`` which tick was missed during downtime.
///
/// ## Grammar
///
/// Five fields, `minute hour day-of-month month day-of-week`, which fire at second 0 (a `0`
/// seconds field is put in front, as the original does), or six with `second` first. Fields are
/// separated by any run of ASCII whitespace. Each field is a comma-separated list of items:
/// `*`, a number `5`, a range `1-5`, or a step `*/15`, `1-30/5` or `5/15` (from 5 to the end of
/// the field).
///
/// | field        | values                                           |
/// |--------------|--------------------------------------------------|
/// | second       | 0-59                                             |
/// | minute       | 0-59                                             |
/// | hour         | 0-23                                             |
/// | day-of-month | 1-31, or `?` for `*`                             |
/// | month        | 1-12 or `JAN`-`DEC`                              |
/// | day-of-week  | 0-7 or `SUN`-`SAT` (0 and 7 are Sunday), or `?` |
///
/// Names are case-insensitive. `SUN` at the end of a range means 7, so `FRI-SUN` works, and 7
/// at the start of a step means 0, so `7/2` is `0/2`. The
/// macros `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly`
/// stand for `0 0 1 1 *`, `0 0 1 * *`, `0 0 * * 0`, `0 0 * * *` and `0 * * * *`. A reversed
/// range (`5-2`), a step of 0, an empty list item, a value outside its field, an unknown name
/// and Quartz extensions (`L`, `W`, `#`, a year field) are rejected.
///
/// - Important: Day of week follows Vixie cron (and croniter): 0 = Sunday through 6 = Saturday,
///   and 7 is Sunday too. The original's Rust `cron` crate counts 1-7 = Sunday-Saturday, so there
///   `0 9 * * 1` fires on Sundays; here it fires on Mondays, as it would in any crontab, which is
///   what people write.
///
/// ## Day of month and day of week together
///
/// When both are restricted, a day matches if **either** does, as in Vixie cron and croniter:
/// `0 0 13 * FRI` fires on every 13th and on every Friday. When only one is restricted, that one
/// decides. A field is restricted unless it is written exactly `*` or `?`; so `0 0 */2 * 0-6`
/// fires every day (any day of the week matches), where croniter reads the full `0-6` as `*`.
///
/// ## Time zones and DST
///
/// An expression matches wall-clock time in the time zone it is asked about (Gregorian
/// calendar, whole seconds). Where daylight saving time moves the clocks (SPEC §7):
/// - a wall-clock time **skipped** by the jump forward does not fire: `30 2 * * *` in
///   Europe/Berlin does not fire on 2026-03-29, when 02:00 becomes 03:00;
/// - a wall-clock time that occurs **twice** when the clocks fall back fires once, at its
///   first occurrence: `30 2 * * *` fires on 2026-10-25 at 02:30 CEST (00:30Z) and not again at
///   02:30 CET, and `*/15 * * * *` fires at 02:00, 02:15, 02:30 and 02:45 CEST, then 03:00 CET.
///
/// Equal expressions describe the same schedule, however they are spelled: `@daily` equals
/// `0 0 * * *`. `description` is the expression as written, with its whitespace normalized.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// One field of an expression, as named in a ``CronError``.
    public enum Field: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case second
        case minute
        case hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"

        public var description: String { rawValue }
    }

    /// The values one field admits, as bits: bit `n` set means `n` matches.
    struct ValueSet: Hashable, Sendable {
        private(set) var bits: UInt64 = 0

        func contains(_ value: Int) -> Bool {
            value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
        }

        mutating func insert(_ value: Int) {
            bits |= 1 << UInt64(value)
        }

        mutating func formUnion(_ other: ValueSet) {
            bits |= other.bits
        }

        /// The smallest member that is at least `value`.
        func first(atOrAfter value: Int) -> Int? {
            guard value < 64 else { return nil }
            let candidates = bits & (~UInt64(0) << UInt64(max(value, 0)))
            return candidates == 0 ? nil : candidates.trailingZeroBitCount
        }

        /// The largest member that is at most `value`.
        func last(atOrBefore value: Int) -> Int? {
            guard value >= 0 else { return nil }
            let candidates = value >= 63 ? bits : bits & ((1 << UInt64(value + 1)) - 1)
            return candidates == 0 ? nil : 63 - candidates.leadingZeroBitCount
        }
    }

    /// What the schedule matches; equality of expressions is equality of these.
    struct Fields: Hashable, Sendable {
        var seconds: ValueSet
        var minutes: ValueSet
        var hours: ValueSet
        var daysOfMonth: ValueSet
        var months: ValueSet
        /// 0 = Sunday through 6 = Saturday (a 7 in the expression is stored as 0).
        var daysOfWeek: ValueSet
        /// Neither `*` nor `?`: with both restricted, a day matches if either matches.
        var dayOfMonthRestricted: Bool
        var dayOfWeekRestricted: Bool
    }

    let fields: Fields
    private let written: String

    /// Parses a 5- or 6-field expression or an `@` macro.
    /// - Throws: ``CronError`` naming the field at fault and the offending text.
    public init(_ expression: String) throws(CronError) {
        let (fields, written) = try Self.parse(expression)
        self.fields = fields
        self.written = written
    }

    /// The expression as written, fields separated by single spaces.
    public var description: String { written }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        lhs.fields == rhs.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
    }

    /// Whether a day matches the day-of-month and day-of-week fields.
    func matchesDay(_ day: Int, weekday: Int) -> Bool {
        let dayOfMonth = fields.daysOfMonth.contains(day)
        let dayOfWeek = fields.daysOfWeek.contains(weekday)
        if fields.dayOfMonthRestricted && fields.dayOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }
}
