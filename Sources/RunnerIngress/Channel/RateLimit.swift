/// A token bucket's shape: `perSecond` tokens refill continuously up to `burst`.
public struct RateLimit: Sendable, Hashable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// The default per-conversation limit: one message a second, bursts of three.
    public static let conversationDefault = RateLimit(perSecond: 1, burst: 3)
}
