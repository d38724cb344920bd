public import RunnerCore

/// The result of running (or resuming) a flow for one event.
public struct FlowRun: Sendable {
    /// How the run ended.
    public enum Outcome: Sendable {
        /// The flow finished; `output` is the finalised result (egress then final payload).
        case completed(output: JSONValue)
        /// The flow paused; store `snapshot` and resume it on the next event. `output` is the
        /// egress emitted before the pause (an array), or `null`.
        case paused(snapshot: FlowSnapshot, reason: String?, output: JSONValue)
        /// The flow failed.
        case failed(FlowError)
    }

    public var outcome: Outcome
    /// Every node executed, in completion order (a `flow.call` node follows its sub-flow's nodes).
    public var trace: [NodeTrace]

    public init(outcome: Outcome, trace: [NodeTrace]) {
        self.outcome = outcome
        self.trace = trace
    }
}
