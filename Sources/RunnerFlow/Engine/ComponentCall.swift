public import RunnerCore

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
