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
