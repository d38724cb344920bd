/// What a channel knows about one delivery besides the message and its address.
public struct DeliveryContext: Sendable {
    public var tenant: String
    /// The tenant's channel credentials.
    public var credentials: ChannelCredentials
    /// The outbox message id: stable across attempts, usable as an idempotency key where the
    /// provider supports one.
    public var messageID: String
    /// This attempt's number, from 1.
    public var attempt: Int
    /// Longest the send may take; past it the outcome is unknown.
    public var timeout: Duration

    public init(tenant: String, credentials: ChannelCredentials, messageID: String, attempt: Int, timeout: Duration) {
        self.tenant = tenant
        self.credentials = credentials
        self.messageID = messageID
        self.attempt = attempt
        self.timeout = timeout
    }

    /// The credential `name`, or a permanent error naming the missing setting.
    public func requiredCredential(_ name: String) throws(DeliveryError) -> String {
        guard let value = credentials.value(name) else {
            throw DeliveryError(.permanent, "\(name) is not configured for tenant \(tenant)")
        }
        return value
    }
}
