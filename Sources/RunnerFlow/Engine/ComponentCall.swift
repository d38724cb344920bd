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
    /// When the run's time is up (`FLOW_TIMEOUT` from the event's arrival): a runner must not
    /// let the component run past it.
    public var deadline: ContinuousClock.Instant

    public init(
        flowID: String,
        nodeID: String,
        component: String,
        input: JSONValue,
        config: JSONValue,
        deadline: ContinuousClock.Instant
    ) {
        self.deadline = deadline
        self.flowID = flowID
        self.nodeID = nodeID
        self.component = component
        self.input = input
        self.config = config
    }
}
