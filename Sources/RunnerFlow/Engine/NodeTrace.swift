public import RunnerCore

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
