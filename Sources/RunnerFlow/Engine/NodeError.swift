internal import RunnerCore

/// A node failure reported by a component or the runtime that ran it.
public struct NodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short stable code such as `out_of_fuel`, `timeout`, `trap` or a component's own code.
    public var code: String
    public var message: String
    /// Whether retrying the same call may succeed.
    public var transient: Bool

    public init(code: String, message: String, transient: Bool = false) {
        self.code = code
        self.message = message
        self.transient = transient
    }

    public var description: String { "\(code): \(message)" }

    var json: JSONValue {
        .object(["code": .string(code), "message": .string(message), "transient": .bool(transient)])
    }
}
