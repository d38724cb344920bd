/// A dedupe identity without the tenant (the host adds it).
public struct DedupeID: Sendable, Hashable {
    public var namespace: String
    public var id: String

    public init(namespace: String, id: String) {
        self.namespace = namespace
        self.id = id
    }
}
