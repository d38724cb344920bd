/// An error loading or running a flow.
///
/// `code` is stable (branch on it, use it as a metric label); `message` says what is wrong and
/// how to fix it; `file`, `node` and `field` locate the problem in the flow source.
public struct FlowError: Error, Sendable, CustomStringConvertible {
    /// What kind of flow error this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidFlow, unknownFlow, unknownNode, nodeFailed, template, pauseNotAllowed
            case tooManyNodes, payloadTooLarge, timedOut, unsupportedComponent, callDepthExceeded
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The YGTC document is malformed or inconsistent.
        public static let invalidFlow = Code(.invalidFlow)
        /// `flow.call` or a request named a flow the pack does not have.
        public static let unknownFlow = Code(.unknownFlow)
        /// A route or a resume record named a node the flow does not have.
        public static let unknownNode = Code(.unknownNode)
        /// A node failed and the flow has no `on: error` route for it.
        public static let nodeFailed = Code(.nodeFailed)
        /// A template failed to render.
        public static let template = Code(.template)
        /// A flow tried to pause where it cannot (inside `flow.call`, or without a `to` route).
        public static let pauseNotAllowed = Code(.pauseNotAllowed)
        /// The run executed more nodes than allowed (a routing loop).
        public static let tooManyNodes = Code(.tooManyNodes)
        /// A payload exceeded the size limit.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// The run exceeded its wall-clock limit.
        public static let timedOut = Code(.timedOut)
        /// The node names a component this runner does not provide (e.g. `mcp.exec`).
        public static let unsupportedComponent = Code(.unsupportedComponent)
        /// `flow.call` nested too deeply.
        public static let callDepthExceeded = Code(.callDepthExceeded)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public var file: String?
    public var node: String?
    public var field: String?

    public init(_ code: Code, _ message: String, file: String? = nil, node: String? = nil, field: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.node = node
        self.field = field
    }

    public var description: String {
        var location: [String] = []
        if let file { location.append(file) }
        if let node { location.append("node '\(node)'") }
        if let field { location.append("field '\(field)'") }
        return location.isEmpty ? message : "\(location.joined(separator: ", ")): \(message)"
    }
}
