internal import Foundation
internal import RunnerCore
internal import Synchronization

/// Delivers Telegram outbox messages with `sendMessage`, within each tenant's rate limit
/// (bindings `rate_limits`: `messaging_send_qps`, `messaging_burst`).
final class TelegramReplySender: ReplySender {
    private let client: TelegramClient
    private let rateLimits: @Sendable (String) -> TenantBindings.RateLimits
    private let buckets = Mutex<[String: TokenBucket]>([:])
    /// Longest a message waits for its tenant's rate limit before the attempt is retried later.
    private let maxRateWait: Duration = .seconds(2)

    init(client: TelegramClient, rateLimits: @escaping @Sendable (String) -> TenantBindings.RateLimits) {
        self.client = client
        self.rateLimits = rateLimits
    }

    func deliver(_ message: OutboxMessage) async throws(DeliveryError) {
        guard let chatID = message.address["chat_id"]?.int64Value else {
            throw DeliveryError(message: "the reply address has no integer chat_id", permanent: true)
        }
        guard let text = message.message["text"]?.stringValue else {
            throw DeliveryError(message: "the reply has no text", permanent: true)
        }
        try await acquire(tenant: message.tenant)
        try await client.sendMessage(chatID: chatID, text: text, parseMode: message.message["parse_mode"]?.stringValue)
    }

    private func acquire(tenant: String) async throws(DeliveryError) {
        let bucket = buckets.withLock { buckets in
            if let bucket = buckets[tenant] { return bucket }
            let limits = rateLimits(tenant)
            let bucket = TokenBucket(ratePerSecond: limits.messagingSendQPS, burst: limits.messagingBurst)
            buckets[tenant] = bucket
            return bucket
        }
        var waited: Duration = .zero
        while let wait = bucket.take() {
            guard waited + wait <= maxRateWait else {
                throw DeliveryError(message: "messaging send rate exceeded for tenant \(tenant)", permanent: false, retryAfterSeconds: 1)
            }
            do {
                try await Task.sleep(for: wait)
            } catch {
                throw DeliveryError(message: "cancelled", permanent: false)
            }
            waited += wait
        }
    }
}
