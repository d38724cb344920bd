internal import Synchronization

/// A token bucket: `ratePerSecond` tokens refill continuously up to `burst`.
///
/// Used per tenant for outbound messages (bindings `rate_limits`). Thread-safe; the clock is
/// passed in so tests control time.
final class TokenBucket: Sendable {
    private struct State {
        var tokens: Double
        var updatedAt: ContinuousClock.Instant
    }

    private let ratePerSecond: Double
    private let burst: Double
    private let state: Mutex<State>

    init(ratePerSecond: Double, burst: Int, now: ContinuousClock.Instant = .now) {
        self.ratePerSecond = max(ratePerSecond, 0.001)
        self.burst = Double(max(burst, 1))
        self.state = Mutex(State(tokens: Double(max(burst, 1)), updatedAt: now))
    }

    /// Takes a token if one is available now; otherwise returns how long until one will be.
    func take(now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { state in
            let elapsed = now - state.updatedAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.tokens = min(burst, state.tokens + max(0, seconds) * ratePerSecond)
            state.updatedAt = now
            if state.tokens >= 1 {
                state.tokens -= 1
                return nil
            }
            let wait = (1 - state.tokens) / ratePerSecond
            return .milliseconds(Int((wait * 1000).rounded(.up)))
        }
    }
}
