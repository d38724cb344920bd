public import RunnerCore

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
