public import RunnerCore

/// The result of running (or resuming) a flow for one event.
public struct FlowRun: Sendable {
    /// How the run ended.
    public enum Outcome: Sendable {
        /// The flow finished; `output` is the finalised result (egress then final payload).
        case completed(output: JSONValue)
        /// The flow paused; store `snapshot` and resume it on the next event. `output` is the
        /// egress emitted before the pause (an array), or `null`.
        case paused(snapshot: FlowSnapshot, reason: String?, output: JSONValue)
        /// The flow failed.
        case failed(FlowError)
    }

    public var outcome: Outcome
    /// Every node executed, in completion order (a `flow.call` node follows its sub-flow's nodes).
    public var trace: [NodeTrace]

    public init(outcome: Outcome, trace: [NodeTrace]) {
        self.outcome = outcome
        self.trace = trace
    }
}

/// One executed node, for `flow run` output, logs and tests.
public struct NodeTrace: Sendable, Hashable {
    public var flowID: String
    public var nodeID: String
    public var component: String
    public var ok: Bool
    public var payload: JSONValue
    public var error: String?

    public init(flowID: String, nodeID: String, component: String, ok: Bool, payload: JSONValue, error: String? = nil) {
        self.flowID = flowID
        self.nodeID = nodeID
        self.component = component
        self.ok = ok
        self.payload = payload
        self.error = error
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "flow": .string(flowID), "id": .string(nodeID), "component": .string(component),
            "ok": .bool(ok), "payload": payload,
        ]
        if let error { members["error"] = .string(error) }
        return .object(members)
    }
}
