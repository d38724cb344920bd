public import Foundation

extension CronExpression {
    /// How many calendar years past (or before) the starting one a search looks. The longest gap
    /// between two fires of an expression that fires at all is 8 years: February 29 across a
    /// century that is not a leap year (2096 to 2104).
    static let searchYears: Int64 = 8

    /// Instants from 0001-01-01T00:00:00Z through 9999-12-31T23:59:59Z are searched from;
    /// anything else (including infinities and NaN) has no fire time.
    private static let supportedSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// The first fire time strictly after `instant`, on a whole second.
    ///
    /// The expression matches wall-clock time in `timeZone`; a time skipped by a DST jump does
    /// not fire and a time repeated by a fall-back fires once, at its first occurrence (see
    /// ``CronExpression``). `nil` when nothing matches within the next 8 calendar years, which
    /// means the expression never fires (`0 0 30 2 *`); the search walks field by field, so
    /// that answer comes in microseconds too.
    public func nextFire(after instant: Date, in timeZone: TimeZone) -> Date? {
        guard let seconds = Self.wholeSeconds(instant) else { return nil }
        let start = seconds + 1
        let clock = ZoneWallClock(timeZone: timeZone)
        var cursor = clock.local(at: start)
        if let earliest = clock.earliestInstant(showing: cursor), earliest < start {
            // `start` is in the second pass of a repeated stretch: its wall-clock times fired on
            // the first pass already.
            cursor = clock.endOfRepetition(earliest: earliest, instant: start)
        }
        let lastYear = LocalDateTime(localSeconds: cursor).year + Self.searchYears
        while let local = nextLocal(atOrAfter: cursor, lastYear: lastYear) {
            if let fire = clock.earliestInstant(showing: local) {
                if fire >= start { return Date(timeIntervalSince1970: Double(fire)) }
                cursor = local + 1
            } else {
                cursor = max(local + 1, clock.gap(around: local).end)
            }
        }
        return nil
    }

    /// The latest fire time at or before `instant`: the tick to run once after downtime under
    /// the "latest missed tick" policy (SPEC §7).
    ///
    /// Same rules as ``nextFire(after:in:)``: a repeated wall-clock time counts at its first
    /// occurrence only, so from the second pass of a fall-back hour the latest fire can be one
    /// whose wall-clock time is later than the current one. `nil` when nothing matches within
    /// the previous 8 calendar years.
    public func latestFire(atOrBefore instant: Date, in timeZone: TimeZone) -> Date? {
        guard let end = Self.wholeSeconds(instant) else { return nil }
        let clock = ZoneWallClock(timeZone: timeZone)
        var cursor = clock.local(at: end)
        if let earliest = clock.earliestInstant(showing: cursor), earliest < end {
            // Every wall-clock time of the repeated stretch first occurred before `end`.
            cursor = clock.endOfRepetition(earliest: earliest, instant: end) - 1
        }
        let firstYear = LocalDateTime(localSeconds: cursor).year - Self.searchYears
        while let local = previousLocal(atOrBefore: cursor, firstYear: firstYear) {
            if let fire = clock.earliestInstant(showing: local) {
                if fire <= end { return Date(timeIntervalSince1970: Double(fire)) }
                cursor = local - 1
            } else {
                cursor = min(local - 1, clock.gap(around: local).start - 1)
            }
        }
        return nil
    }

    /// `instant` rounded down to a whole second, or `nil` outside the supported years.
    private static func wholeSeconds(_ instant: Date) -> Int64? {
        let interval = instant.timeIntervalSince1970
        guard supportedSeconds.contains(interval) else { return nil }
        return Int64(interval.rounded(.down))
    }

    /// The first matching wall-clock time at or after `start` in a year up to `lastYear`.
    ///
    /// Each pass fixes one field, from month down to second, and either finds it matching or
    /// moves to the start of the next month, day, hour or minute; so a search over years takes
    /// a few dozen passes, not one per second.
    func nextLocal(atOrAfter start: Int64, lastYear: Int64) -> Int64? {
        var time = LocalDateTime(localSeconds: start)
        while time.year <= lastYear {
            guard let month = fields.months.first(atOrAfter: time.month) else {
                time = LocalDateTime(year: time.year + 1, month: 1, day: 1)
                continue
            }
            if month != time.month {
                time = LocalDateTime(year: time.year, month: month, day: 1)
            }
            guard let day = firstMatchingDay(from: time) else {
                time = time.startOfNextMonth
                continue
            }
            if day != time.day {
                time = LocalDateTime(year: time.year, month: time.month, day: day)
            }
            guard let hour = fields.hours.first(atOrAfter: time.hour) else {
                time = LocalDateTime(localSeconds: time.startOfDay.localSeconds + 86_400)
                continue
            }
            if hour != time.hour {
                time = LocalDateTime(year: time.year, month: time.month, day: time.day, hour: hour)
            }
            guard let minute = fields.minutes.first(atOrAfter: time.minute) else {
                time = LocalDateTime(localSeconds: time.startOfHour.localSeconds + 3600)
                continue
            }
            if minute != time.minute {
                time = LocalDateTime(year: time.year, month: time.month, day: time.day, hour: time.hour, minute: minute)
            }
            guard let second = fields.seconds.first(atOrAfter: time.second) else {
                time = LocalDateTime(localSeconds: time.startOfMinute.localSeconds + 60)
                continue
            }
            time.second = second
            return time.localSeconds
        }
        return nil
    }

    /// The last matching wall-clock time at or before `end` in a year from `firstYear` on.
    func previousLocal(atOrBefore end: Int64, firstYear: Int64) -> Int64? {
        var time = LocalDateTime(localSeconds: end)
        while time.year >= firstYear {
            guard let month = fields.months.last(atOrBefore: time.month) else {
                time = LocalDateTime(year: time.year - 1, month: 12, day: 31, hour: 23, minute: 59, second: 59)
                continue
            }
            if month != time.month {
                let first = LocalDateTime(year: time.year, month: month, day: 1)
                time = LocalDateTime(year: time.year, month: month, day: first.daysInMonth, hour: 23, minute: 59, second: 59)
            }
            guard let day = lastMatchingDay(from: time) else {
                time = LocalDateTime(localSeconds: time.startOfMonth.localSeconds - 1)
                continue
            }
            if day != time.day {
                time = LocalDateTime(year: time.year, month: time.month, day: day, hour: 23, minute: 59, second: 59)
            }
            guard let hour = fields.hours.last(atOrBefore: time.hour) else {
                time = LocalDateTime(localSeconds: time.startOfDay.localSeconds - 1)
                continue
            }
            if hour != time.hour {
                time = LocalDateTime(year: time.year, month: time.month, day: time.day, hour: hour, minute: 59, second: 59)
            }
            guard let minute = fields.minutes.last(atOrBefore: time.minute) else {
                time = LocalDateTime(localSeconds: time.startOfHour.localSeconds - 1)
                continue
            }
            if minute != time.minute {
                time = LocalDateTime(year: time.year, month: time.month, day: time.day, hour: time.hour, minute: minute, second: 59)
            }
            guard let second = fields.seconds.last(atOrBefore: time.second) else {
                time = LocalDateTime(localSeconds: time.startOfMinute.localSeconds - 1)
                continue
            }
            time.second = second
            return time.localSeconds
        }
        return nil
    }

    /// The first day from `time`'s day to the end of its month that matches.
    private func firstMatchingDay(from time: LocalDateTime) -> Int? {
        var weekday = time.weekday
        for day in time.day...time.daysInMonth {
            if matchesDay(day, weekday: weekday) { return day }
            weekday = (weekday + 1) % 7
        }
        return nil
    }

    /// The last day from `time`'s day back to the first of its month that matches.
    private func lastMatchingDay(from time: LocalDateTime) -> Int? {
        var weekday = time.weekday
        for day in stride(from: time.day, through: 1, by: -1) {
            if matchesDay(day, weekday: weekday) { return day }
            weekday = (weekday + 6) % 7
        }
        return nil
    }
}
