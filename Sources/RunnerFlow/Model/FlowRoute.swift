/// One entry of a node's `routing` list.
///
/// Routes are tried in order. A route with `on` is taken only when the node's result names
/// that label; otherwise the first route without `on` is taken (so unlabelled flows behave
/// exactly like the original's "first usable route").
public struct FlowRoute: Sendable, Hashable {
    /// Where a route leads.
    public enum Target: Sendable, Hashable {
        /// Continue at the node with this id.
        case node(String)
        /// End the flow with this node's payload as the result (`out: true` or `to: out`).
        case out
    }

    /// `nil` when the route names neither `to` nor `out` (the original skips such routes).
    public var target: Target?
    /// The `on` label, if any.
    public var label: String?

    public init(target: Target?, label: String? = nil) {
        self.target = target
        self.label = label
    }
}

extension Array where Element == FlowRoute {
    /// The route to follow for a node result carrying `label`: the first route whose `on`
    /// matches, else the first route without `on`. Routes without a target are skipped.
    func selectRoute(label: String?) -> FlowRoute? {
        if let label, let match = first(where: { $0.label == label && $0.target != nil }) {
            return match
        }
        return first(where: { $0.label == nil && $0.target != nil })
    }
}
