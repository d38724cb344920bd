/// One entry of a node's `routing` list.
///
/// A route with `on` is taken only when the node's result names that label (the first such
/// route wins). Otherwise the routes without `on` decide exactly as in the original (reference
/// §7.2): an `out` route anywhere among them ends the flow; else the first `to` route is taken;
/// routes with neither are skipped.
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
    /// matches; else, among routes without `on`, an `out` route, else the first `to` route.
    func selectRoute(label: String?) -> FlowRoute? {
        if let label, let match = first(where: { $0.label == label && $0.target != nil }) {
            return match
        }
        let unlabelled = filter { $0.label == nil }
        return unlabelled.first { $0.target == .out } ?? unlabelled.first { $0.target != nil }
    }
}
