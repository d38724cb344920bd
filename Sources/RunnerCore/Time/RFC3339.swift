public import Foundation

/// RFC 3339 timestamps in the two spellings the original writes.
public enum RFC3339 {
    /// chrono's `to_rfc3339()` for UTC: `2025-11-11T09:00:00+00:00`, with fractional seconds
    /// only when they are non-zero (canonical payload timestamps).
    public static func chronoString(_ date: Date) -> String {
        let (seconds, nanos) = split(date)
        var text = base(seconds)
        if nanos != 0 { text += "." + fraction(nanos) }
        return text + "+00:00"
    }

    /// The `time` crate's RFC 3339 for UTC: `2025-11-11T09:00:00Z` (admin and health bodies).
    public static func zuluString(_ date: Date) -> String {
        let (seconds, nanos) = split(date)
        var text = base(seconds)
        if nanos != 0 { text += "." + fraction(nanos) }
        return text + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`T` or a space, `z` accepted; a
    /// fraction of any length, as Teams sends seven digits); `nil` when malformed or out of range.
    public static func parse(_ text: String) -> Date? {
        var scanner = Array(text.utf8)[...]
        func number(_ digits: Int) -> Int64? {
            guard scanner.count >= digits else { return nil }
            var value: Int64 = 0
            for byte in scanner.prefix(digits) {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            scanner = scanner.dropFirst(digits)
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard let byte = scanner.first, characters.utf8.contains(byte) else { return false }
            scanner = scanner.dropFirst()
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt "),
            let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if expect(".") {
            var scale = 0.1
            var digits = 0
            while let byte = scanner.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                fraction += Double(byte - UInt8(ascii: "0")) * scale
                scale /= 10
                digits += 1
                scanner = scanner.dropFirst()
            }
            guard digits > 0 else { return nil }
        }
        var offset: Int64 = 0
        if expect("Zz") {
            offset = 0
        } else if let sign = scanner.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            scanner = scanner.dropFirst()
            guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        guard scanner.isEmpty, day <= daysInMonth(year: year, month: month) else { return nil }
        let seconds = days(fromCivil: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days-from-civil.
    private static func days(fromCivil year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Whole seconds and the fraction in nanoseconds, rounded to the microsecond: that is the
    /// precision a `Date` carries around the current epoch.
    private static func split(_ date: Date) -> (Int64, Int64) {
        let raw = date.timeIntervalSince1970
        let interval = raw.isNaN ? 0 : min(max(raw, Double(earliest)), Double(latest))
        var seconds = Int64(interval.rounded(.down))
        var micros = Int64(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        return (seconds, micros * 1000)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for whole seconds since 1970, without the wall clock or the local
    /// time zone (pack builds use it to stay reproducible).
    public static func zuluString(epochSeconds seconds: Int64) -> String {
        base(seconds) + "Z"
    }

    /// The range written, years 0000 through 9999: a timestamp beyond it (a signed provider
    /// request may carry any number) is clamped to it rather than trapping.
    private static let earliest: Int64 = -62_167_219_200  // 0000-01-01T00:00:00Z
    private static let latest: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z

    private static func base(_ unclamped: Int64) -> String {
        let seconds = min(max(unclamped, earliest), latest)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func fraction(_ nanos: Int64) -> String {
        let nine = pad(nanos, 9)
        var digits = Substring(nine)
        while digits.hasSuffix("0") { digits.removeLast() }
        // chrono prints 3, 6 or 9 digits.
        let width = digits.count <= 3 ? 3 : (digits.count <= 6 ? 6 : 9)
        return String(nine.prefix(width))
    }

    /// Howard Hinnant's days-from-civil inverse.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
