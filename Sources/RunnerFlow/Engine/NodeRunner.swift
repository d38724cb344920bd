public import RunnerCore

/// Runs the pack components that flow nodes call.
///
/// The engine knows nothing about WebAssembly: the host supplies a runner (a thin adapter over
/// the Wasm runtime) for each run, already bound to the run's tenant, pack and session; tests
/// supply a recording runner.
public protocol NodeRunner: Sendable {
    /// Runs `call.component` with `call.input`.
    ///
    /// - Throws: ``NodeError`` when the component fails; `transient` errors may be retried.
    func runComponent(_ call: ComponentCall) async throws(NodeError) -> ComponentResult
}

/// One call of a pack component by a node.
public struct ComponentCall: Sendable, Hashable {
    public var flowID: String
    public var nodeID: String
    /// `name` or `name@version` as the flow wrote it.
    public var component: String
    /// The node's payload after template rendering.
    public var input: JSONValue
    /// The node's configuration exactly as written, before rendering.
    public var config: JSONValue

    public init(flowID: String, nodeID: String, component: String, input: JSONValue, config: JSONValue) {
        self.flowID = flowID
        self.nodeID = nodeID
        self.component = component
        self.input = input
        self.config = config
    }
}

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

/// A node failure reported by a component or the runtime that ran it.
public struct NodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short stable code such as `out_of_fuel`, `timeout`, `trap` or a component's own code.
    public var code: String
    public var message: String
    /// Whether retrying the same call may succeed.
    public var transient: Bool

    public init(code: String, message: String, transient: Bool = false) {
        self.code = code
        self.message = message
        self.transient = transient
    }

    public var description: String { "\(code): \(message)" }

    var json: JSONValue {
        .object(["code": .string(code), "message": .string(message), "transient": .bool(transient)])
    }
}
