internal import Foundation

/// Durations written the humantime way: `250ms`, `30s`, `5m`, `1h30m`, `2d`; a bare number
/// means seconds.
enum HumanDuration {
    /// Milliseconds in `text`, or `nil` when it is not a valid duration.
    static func milliseconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if let seconds = Int(trimmed), seconds >= 0 {
            let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            return overflow ? nil : milliseconds
        }
        var total = 0
        var digits = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Int(digits) else { return false }
            let factor: Int
            switch unit {
            case "ms", "msec", "millis": factor = 1
            case "s", "sec", "secs", "second", "seconds": factor = 1000
            case "m", "min", "mins", "minute", "minutes": factor = 60_000
            case "h", "hr", "hrs", "hour", "hours": factor = 3_600_000
            case "d", "day", "days": factor = 86_400_000
            default: return false
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !overflow, !sumOverflow else { return false }
            total = sum
            digits = ""
            unit = ""
            return true
        }
        for character in trimmed where character != " " {
            if character.isASCII, character.isNumber {
                if !unit.isEmpty { guard flush() else { return nil } }
                digits.append(character)
            } else if character.isASCII, character.isLetter {
                guard !digits.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard !digits.isEmpty, !unit.isEmpty, flush() else { return nil }
        return total
    }
}
