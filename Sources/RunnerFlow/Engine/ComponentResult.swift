public import RunnerCore

/// What a component returned (the ABI's output JSON, SPEC §5).
public struct ComponentResult: Sendable, Hashable {
    public var payload: JSONValue
    /// A route label to follow (`on:`), if any.
    public var route: String?
    /// Set when the component asks to pause the conversation after this node.
    public var wait: Wait?
    /// Messages to queue as egress.
    public var egress: [JSONValue]

    /// A pause request with an optional reason.
    public struct Wait: Sendable, Hashable {
        public var reason: String?
        public init(reason: String?) { self.reason = reason }
    }

    public init(payload: JSONValue, route: String? = nil, wait: Wait? = nil, egress: [JSONValue] = []) {
        self.payload = payload
        self.route = route
        self.wait = wait
        self.egress = egress
    }
}
