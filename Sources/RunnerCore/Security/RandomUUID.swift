public import Foundation

extension UUID {
    /// A random (version 4) UUID from the system's random number generator.
    ///
    /// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` on every call:
    /// three system calls where `getrandom` takes one. Run ids and claim tokens are made on
    /// every event, where that showed up in profiles.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A time-ordered (version 7, RFC 9562) UUID: the Unix time in milliseconds, then 74
    /// random bits. Its ``uuidString`` sorts by `time` (to the millisecond), so rows keyed by
    /// such ids are appended to their B-tree instead of landing on a random page each: a
    /// commit dirties, and writes to the log, fewer pages.
    public static func timeOrdered(at time: Date) -> UUID {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, min((time.timeIntervalSince1970 * 1000).rounded(.down), Double(1 << 48 - 1))))
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        return UUID(
            uuid: (
                byte(milliseconds, 40), byte(milliseconds, 32), byte(milliseconds, 24),
                byte(milliseconds, 16), byte(milliseconds, 8), byte(milliseconds, 0),
                0x70 | (byte(high, 0) & 0x0F), byte(high, 8),
                0x80 | (byte(high, 16) & 0x3F), byte(high, 24),
                byte(low, 0), byte(low, 8), byte(low, 16), byte(low, 24), byte(low, 32), byte(low, 40)
            )
        )
    }
}
