/// Which flow of the tenant an event runs.
public enum FlowSelector: Sendable, Hashable {
    /// The first flow of this type (reference §8.3: messaging adapters pick the messaging flow).
    case firstOfType(String)
    /// This flow id; when `requiredType` is set the flow must have that type (409 otherwise).
    case id(String, requiredType: String?)
}
