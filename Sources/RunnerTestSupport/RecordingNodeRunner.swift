public import RunnerFlow
import Synchronization

/// A ``NodeRunner`` for tests: records every component call and answers with a script.
public final class RecordingNodeRunner: NodeRunner {
    /// The answer for a call, or the error to throw.
    public typealias Script = @Sendable (ComponentCall, _ attempt: Int) throws(NodeError) -> ComponentResult

    private let script: Script
    private let recorded = Mutex<[ComponentCall]>([])

    /// - Parameter script: computes each call's result; `attempt` counts calls of the same
    ///   node so far, starting at 1. The default echoes the input as the payload.
    public init(script: @escaping Script = { call, _ in ComponentResult(payload: call.input) }) {
        self.script = script
    }

    /// Every call made so far, in order.
    public var calls: [ComponentCall] { recorded.withLock { $0 } }

    public func runComponent(_ call: ComponentCall) async throws(NodeError) -> ComponentResult {
        let attempt = recorded.withLock { calls in
            calls.append(call)
            return calls.filter { $0.nodeID == call.nodeID && $0.flowID == call.flowID }.count
        }
        return try script(call, attempt)
    }
}
