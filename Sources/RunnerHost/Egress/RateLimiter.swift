internal import Foundation
internal import RunnerIngress
internal import Synchronization

/// The send rate limits of one runner node: a token bucket per tenant and one per conversation.
///
/// A message may go when both its tenant's and its conversation's bucket have a token; then
/// one is taken from each. Otherwise nothing is taken and the caller learns when to try again,
/// so a busy chat only ever waits for its own limit and a busy tenant for its own. Buckets of
/// conversations that went quiet are forgotten (a full bucket carries no information).
final class RateLimiter: Sendable {
    private struct State {
        var tenants: [String: TokenBucket] = [:]
        var conversations: [String: TokenBucket] = [:]
        var callsSinceSweep = 0
    }

    private let state = Mutex(State())

    /// Takes a token for a message of `tenant` to `conversation`, or returns when to try again.
    ///
    /// - Returns: `nil` when the message may go now.
    func reserve(tenant: String, tenantLimit: RateLimit, conversation: String, conversationLimit: RateLimit, now: Date) -> Date? {
        state.withLock { state in
            var tenantBucket = state.tenants[tenant] ?? TokenBucket(perSecond: tenantLimit.perSecond, burst: tenantLimit.burst, now: now)
            let conversationKey = "\(tenant)\u{0}\(conversation)"
            var conversationBucket =
                state.conversations[conversationKey]
                ?? TokenBucket(perSecond: conversationLimit.perSecond, burst: conversationLimit.burst, now: now)
            let ready = max(tenantBucket.availableAt(now: now), conversationBucket.availableAt(now: now))
            if ready <= now {
                tenantBucket.take()
                conversationBucket.take()
            }
            state.tenants[tenant] = tenantBucket
            state.conversations[conversationKey] = conversationBucket
            state.callsSinceSweep += 1
            if state.callsSinceSweep >= 1024 {
                state.callsSinceSweep = 0
                state.conversations = state.conversations.filter { !$0.value.isFull(at: now) }
                state.tenants = state.tenants.filter { !$0.value.isFull(at: now) }
            }
            return ready <= now ? nil : ready
        }
    }

    /// Buckets held (for tests of the sweep).
    var bucketCount: Int { state.withLock { $0.tenants.count + $0.conversations.count } }
}
