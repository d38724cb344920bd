/// What kind of event a flow answers (YGTC `type`).
public enum FlowType: String, Sendable, Hashable, CaseIterable, Codable {
    case messaging
    case webhook
    case timer
    case websocket
    case pubsub
}
