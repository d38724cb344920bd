internal import RunnerCore

/// Delivers outbox messages through one provider's API.
protocol ReplySender: Sendable {
    /// Sends `message`; throws ``DeliveryError`` saying whether a retry can help.
    func deliver(_ message: OutboxMessage) async throws(DeliveryError)
}
