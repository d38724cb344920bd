internal import Foundation

/// A token bucket: `perSecond` tokens refill continuously up to `burst`.
///
/// A value type: ``RateLimiter`` keeps the buckets and passes the time in, so tests control it.
struct TokenBucket: Sendable {
    private(set) var tokens: Double
    private(set) var updatedAt: Date
    let perSecond: Double
    let burst: Double

    init(perSecond: Double, burst: Int, now: Date) {
        self.perSecond = max(perSecond, 0.000_001)
        self.burst = Double(max(burst, 1))
        self.tokens = Double(max(burst, 1))
        self.updatedAt = now
    }

    /// Refills up to `now`.
    mutating func refill(now: Date) {
        let elapsed = max(0, now.timeIntervalSince(updatedAt))
        tokens = min(burst, tokens + elapsed * perSecond)
        updatedAt = max(updatedAt, now)
    }

    /// When a token will be available (`now` or later), after refilling.
    mutating func availableAt(now: Date) -> Date {
        refill(now: now)
        return tokens >= 1 ? now : now.addingTimeInterval((1 - tokens) / perSecond)
    }

    /// Takes a token; call only when ``availableAt(now:)`` is `now`.
    mutating func take() {
        tokens -= 1
    }

    /// Whether the bucket is full at `now` (it can be forgotten without changing anything).
    func isFull(at now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(updatedAt)) * perSecond >= burst
    }
}
