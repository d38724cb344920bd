internal import RunnerCore

/// RFC 3339 timestamps in UTC (`1980-01-01T00:00:00Z`), computed without the wall clock or
/// the local time zone so builds stay reproducible.
public enum UTCTimestamp {
    /// The timestamp used when a build has no `SOURCE_DATE_EPOCH`: the ZIP epoch.
    public static let zipEpoch = "1980-01-01T00:00:00Z"

    /// Seconds since 1970 of ``zipEpoch``.
    public static let zipEpochSeconds: Int64 = 315_532_800

    /// Formats `seconds` since 1970-01-01T00:00:00Z as `YYYY-MM-DDTHH:MM:SSZ`.
    public static func format(epochSeconds seconds: Int64) -> String {
        RFC3339.zuluString(epochSeconds: seconds)
    }

    /// Parses a `SOURCE_DATE_EPOCH` value (decimal seconds since 1970), or `nil` if malformed.
    public static func parseEpoch(_ text: String) -> Int64? {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int64(trimmed)
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
