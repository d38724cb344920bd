public import RunnerCore

/// A loaded, validated flow: nodes, routes and parsed templates, ready to run.
///
/// Built from a YGTC document with ``init(ygtc:file:)`` or ``init(document:file:)``. Loading
/// checks everything that can be checked without running: node and component key shapes,
/// route targets, the configuration of built-in nodes, and every template's syntax.
public struct FlowDefinition: Sendable {
    public let id: String
    public let title: String?
    public let description: String?
    public let type: FlowType
    /// The node a new run starts at: `start`, else `in` when such a node exists, else the
    /// first node id in sorted order.
    public let start: String
    /// The flow's `parameters`, available to templates as `parameters`.
    public let parameters: JSONValue
    /// Nodes by id.
    public let nodes: [String: FlowNode]

    init(
        id: String,
        title: String?,
        description: String?,
        type: FlowType,
        start: String,
        parameters: JSONValue,
        nodes: [String: FlowNode]
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.type = type
        self.start = start
        self.parameters = parameters
        self.nodes = nodes
    }

    /// Every pack component some node of this flow calls, sorted.
    public var componentReferences: [String] {
        Array(Set(nodes.values.compactMap(\.componentReference))).sorted()
    }

    /// Every flow `flow.call` nodes may call, when named literally.
    public var calledFlows: [String] {
        nodes.values.compactMap { node -> String? in
            guard case .flowCall = node.behavior else { return nil }
            return (node.config["flow_id"] ?? node.config["flow"])?.stringValue
        }.sorted()
    }
}
