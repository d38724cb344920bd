import Foundation

/// Maps between instants (whole seconds since 1970 UTC) and wall-clock "local seconds" in one
/// time zone, across its offset transitions.
///
/// A wall-clock time can be shown by one instant, by none (skipped when the clocks jump
/// forward) or by two (repeated when they fall back); ``earliestInstant(showing:)`` and the gap
/// and transition helpers are what ``CronExpression`` builds its DST rule from. A transition is
/// found by bisecting `secondsFromGMT(for:)`, so only offsets are trusted, not the zone's notion
/// of which transitions count as "daylight saving".
struct ZoneWallClock: Sendable {
    let timeZone: TimeZone

    /// How far apart an instant and the wall-clock time it shows can be, with a margin: UTC
    /// offsets run from -12:00 to +14:00, and local mean time before standard time a little
    /// further.
    private static let reach: Int64 = 16 * 3600

    /// The zone's UTC offset at `instant`, in seconds.
    func offset(at instant: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
    }

    /// The wall-clock time at `instant`.
    func local(at instant: Int64) -> Int64 {
        instant + offset(at: instant)
    }

    /// The first instant whose wall clock shows `local`, or `nil` when a transition skips it.
    func earliestInstant(showing local: Int64) -> Int64? {
        let before = offset(at: local - Self.reach)
        let after = offset(at: local + Self.reach)
        var earliest: Int64?
        for candidate in before == after ? [before] : [before, after] where offset(at: local - candidate) == candidate {
            earliest = min(earliest ?? .max, local - candidate)
        }
        return earliest
    }

    /// The first instant in `(lower, upper]` whose offset differs from the one at `lower`, found
    /// by bisection; `upper` when the offsets at both ends agree.
    func transition(after lower: Int64, upTo upper: Int64) -> Int64 {
        let start = offset(at: lower)
        guard offset(at: upper) != start else { return upper }
        var low = lower
        var high = upper
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == start { low = middle } else { high = middle }
        }
        return high
    }

    /// For a wall-clock time no instant shows: the wall-clock times where that gap starts (the
    /// first skipped second) and ends (the first second shown again).
    func gap(around local: Int64) -> (start: Int64, end: Int64) {
        let moment = transition(after: local - Self.reach, upTo: local + Self.reach)
        return (moment + offset(at: moment - 1), moment + offset(at: moment))
    }

    /// For an instant in the second pass of a repeated stretch of wall-clock time (after the
    /// clocks fell back and `earliest` showed the same time before): the wall-clock time at
    /// which the repetition ends, the first second shown only once again.
    func endOfRepetition(earliest: Int64, instant: Int64) -> Int64 {
        let moment = transition(after: earliest, upTo: instant)
        return moment + offset(at: moment - 1)
    }
}
