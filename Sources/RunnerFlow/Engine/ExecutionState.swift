public import RunnerCore

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
