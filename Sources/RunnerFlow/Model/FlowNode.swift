public import RunnerCore

/// One node of a flow: the component it runs, its configuration and where it goes next.
public struct FlowNode: Sendable {
    /// The node id (the key under `nodes`).
    public let id: String
    /// The component key as written: a built-in (`qa.process`, `templating.handlebars`,
    /// `flow.call`, `session.wait`, `component.exec`, `emit…`) or a pack component
    /// (`name` or `name@version`).
    public let component: String
    /// The component's value exactly as written in the flow, before rendering.
    public let config: JSONValue
    /// The node's routes, in order.
    public let routes: [FlowRoute]
    /// What the engine does for this node, with every template already parsed.
    let behavior: NodeBehavior

    init(id: String, component: String, config: JSONValue, routes: [FlowRoute], behavior: NodeBehavior) {
        self.id = id
        self.component = component
        self.config = config
        self.routes = routes
        self.behavior = behavior
    }

    /// The pack component this node calls, if it calls one (`name` or `name@version`).
    public var componentReference: String? {
        switch behavior {
        case .component(let name, _): return name
        case .componentExec(let name, _): return name
        default: return nil
        }
    }
}
