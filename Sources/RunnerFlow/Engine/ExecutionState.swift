public import RunnerCore

/// What a node produced: `nodes.<id>` in the template context.
public struct NodeResult: Sendable, Hashable {
    public var ok: Bool
    public var payload: JSONValue
    public var meta: JSONValue

    public init(ok: Bool, payload: JSONValue, meta: JSONValue = .null) {
        self.ok = ok
        self.payload = payload
        self.meta = meta
    }

    var json: JSONValue { .object(["ok": .bool(ok), "payload": payload, "meta": meta]) }
}

/// The state of one run: its input, every node result so far and queued egress.
///
/// Serialised as the original's `ExecutionState`:
/// `{"input": …, "nodes": {"<id>": {"ok", "payload", "meta"}}, "egress": […]}`.
public struct ExecutionState: Sendable, Hashable {
    public var input: JSONValue
    public var nodes: [String: NodeResult]
    public var egress: [JSONValue]

    public init(input: JSONValue, nodes: [String: NodeResult] = [:], egress: [JSONValue] = []) {
        self.input = input
        self.nodes = nodes
        self.egress = egress
    }

    /// The Handlebars context: `{input, nodes, parameters}`.
    func templateContext(parameters: JSONValue) -> JSONValue {
        .object([
            "input": input,
            "nodes": .object(nodes.mapValues(\.json)),
            "parameters": parameters,
        ])
    }

    public var json: JSONValue {
        .object(["input": input, "nodes": .object(nodes.mapValues(\.json)), "egress": .array(egress)])
    }

    /// Decodes the original's format; `nil` when `json` does not have its shape.
    public init?(json: JSONValue) {
        guard let members = json.objectValue, let nodes = members["nodes"]?.objectValue else { return nil }
        var results: [String: NodeResult] = [:]
        for (id, value) in nodes {
            guard let ok = value["ok"]?.boolValue else { return nil }
            results[id] = NodeResult(ok: ok, payload: value["payload"] ?? .null, meta: value["meta"] ?? .null)
        }
        self.init(input: members["input"] ?? .null, nodes: results, egress: members["egress"]?.arrayValue ?? [])
    }
}

/// Where a paused run continues: the original's `FlowSnapshot`
/// (`{"flow_id", "next_node", "state"}`).
public struct FlowSnapshot: Sendable, Hashable {
    public var flowID: String
    public var nextNode: String
    public var state: ExecutionState

    public init(flowID: String, nextNode: String, state: ExecutionState) {
        self.flowID = flowID
        self.nextNode = nextNode
        self.state = state
    }

    public var json: JSONValue {
        .object(["flow_id": .string(flowID), "next_node": .string(nextNode), "state": state.json])
    }

    /// Decodes the original's format; `nil` when `json` does not have its shape.
    public init?(json: JSONValue) {
        guard let flowID = json["flow_id"]?.stringValue, let nextNode = json["next_node"]?.stringValue,
            let stateJSON = json["state"], let state = ExecutionState(json: stateJSON)
        else { return nil }
        self.init(flowID: flowID, nextNode: nextNode, state: state)
    }
}
