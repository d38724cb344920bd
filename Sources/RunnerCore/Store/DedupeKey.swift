import Foundation

/// A provider event id or idempotency key, namespaced so ids of different providers never
/// collide (the original shared one cache between providers).
public struct DedupeKey: Hashable, Sendable {
    public var tenant: String
    /// For example `telegram` or `webhook:orders`.
    public var namespace: String
    public var id: String

    public init(tenant: String, namespace: String, id: String) {
        self.tenant = tenant
        self.namespace = namespace
        self.id = id
    }
}

/// Proves ownership of a dedupe claim; only the holder can complete or release it.
public struct ClaimToken: Hashable, Sendable {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// A fresh random token.
    public static func random() -> ClaimToken { ClaimToken(rawValue: UUID().uuidString) }
}

/// The outcome of ``RunnerStore/claim(_:leaseUntil:now:)``.
public enum DedupeClaim: Hashable, Sendable {
    /// The caller owns the event now and must commit or release it.
    case claimed(ClaimToken)
    /// Another request is processing the event and its lease has not expired.
    case inProgress
    /// The event was processed; here is the answer that was given.
    case completed(StoredResponse)
}

/// The response recorded for a processed event, replayed to provider retries.
public struct StoredResponse: Hashable, Sendable, Codable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
