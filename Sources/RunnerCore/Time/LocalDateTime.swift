/// A wall-clock date and time in the proleptic Gregorian calendar, with no time zone.
///
/// Cron matches wall-clock fields, so the schedule search walks these and asks the time zone
/// only to turn a match into an instant (``CronExpression/nextFire(after:in:)``). Integer
/// arithmetic on "local seconds" (seconds since 1970-01-01T00:00:00 on the wall clock) keeps
/// that walk free of `Calendar` calls, which cost microseconds each.
struct LocalDateTime: Hashable, Sendable {
    var year: Int64
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    init(year: Int64, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The wall-clock time `localSeconds` seconds after 1970-01-01T00:00:00.
    init(localSeconds: Int64) {
        let days = localSeconds >= 0 ? localSeconds / 86_400 : (localSeconds - 86_399) / 86_400
        let secondOfDay = Int(localSeconds - days * 86_400)
        // Howard Hinnant's civil-from-days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        self.init(
            year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
            month: month,
            day: Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1),
            hour: secondOfDay / 3600,
            minute: secondOfDay / 60 % 60,
            second: secondOfDay % 60
        )
    }

    /// Seconds since 1970-01-01T00:00:00 on the wall clock.
    var localSeconds: Int64 {
        Self.days(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Day of the week, 0 = Sunday through 6 = Saturday.
    var weekday: Int {
        let days = Self.days(year: year, month: month, day: day)
        // 1970-01-01 was a Thursday.
        return Int(((days % 7) + 11) % 7)
    }

    /// The number of days in this date's month.
    var daysInMonth: Int {
        switch month {
        case 2: Self.isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Midnight at the start of the next month.
    var startOfNextMonth: LocalDateTime {
        month == 12 ? LocalDateTime(year: year + 1, month: 1, day: 1) : LocalDateTime(year: year, month: month + 1, day: 1)
    }

    /// Midnight at the start of this date's month.
    var startOfMonth: LocalDateTime { LocalDateTime(year: year, month: month, day: 1) }

    /// Midnight at the start of this date.
    var startOfDay: LocalDateTime { LocalDateTime(year: year, month: month, day: day) }

    /// This date and hour, at minute and second 0.
    var startOfHour: LocalDateTime { LocalDateTime(year: year, month: month, day: day, hour: hour) }

    /// This date, hour and minute, at second 0.
    var startOfMinute: LocalDateTime { LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute) }

    static func isLeap(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Howard Hinnant's days-from-civil: days since 1970-01-01.
    private static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = Int64((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
