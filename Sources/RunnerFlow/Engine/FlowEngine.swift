public import RunnerCore
internal import RunnerTemplates

/// Runs the flows of one pack version: one run per event, pausing at `session.wait` and
/// resuming from a ``FlowSnapshot``.
///
/// The engine is a value holding immutable flow definitions; it performs no I/O itself.
/// Components run through the ``NodeRunner`` passed to each run, and persistence of snapshots
/// is the caller's business. Semantics follow reference §7.2 with SPEC §4's decisions:
/// `session.wait` always pauses, routes may be labelled, a failed node follows its
/// `on: error` route when it has one, and every run is bounded by ``FlowLimits``.
public struct FlowEngine: Sendable {
    public let flows: [String: FlowDefinition]
    public let limits: FlowLimits
    public let retry: RetryPolicy

    public init(flows: [String: FlowDefinition], limits: FlowLimits = .init(), retry: RetryPolicy = .init()) {
        self.flows = flows
        self.limits = limits
        self.retry = retry
    }

    /// Runs `flowID` for one event, or resumes it from `resume`.
    ///
    /// - Parameters:
    ///   - input: the event payload; it becomes `input` (on resume it replaces the stored
    ///     input while earlier node results are kept).
    ///   - resume: the snapshot of a paused run of the same flow, if any.
    ///   - nodes: runs the pack components this run calls.
    ///   - deadline: the event's deadline, when it started before the run (time queued counts);
    ///     the run ends at it or after `limits.maxWallTimeMs`, whichever comes first, and every
    ///     component call is cut off at it (``ComponentCall/deadline``).
    /// - Returns: the outcome and the node-by-node trace; never throws, failures are an outcome.
    public func run(
        flowID: String,
        input: JSONValue,
        resume: FlowSnapshot? = nil,
        nodes: some NodeRunner,
        deadline: ContinuousClock.Instant? = nil
    ) async -> FlowRun {
        let ownDeadline = ContinuousClock.now.advanced(by: .milliseconds(limits.maxWallTimeMs))
        var run = RunContext(limits: limits, deadline: deadline.map { min($0, ownDeadline) } ?? ownDeadline)
        do throws(FlowError) {
            guard let flow = flows[flowID] else {
                throw FlowError(.unknownFlow, "flow '\(flowID)' does not exist in this pack")
            }
            try run.checkSize(input, what: "input", node: nil)
            var state: ExecutionState
            let startNode: String
            if let resume {
                guard resume.flowID == flowID else {
                    throw FlowError(.unknownFlow, "snapshot belongs to flow '\(resume.flowID)', not '\(flowID)'")
                }
                state = resume.state
                state.input = input
                state.egress = []
                startNode = resume.nextNode
            } else {
                state = ExecutionState(input: input)
                startNode = flow.start
            }
            let end = try await drive(flow, state: &state, from: startNode, depth: 0, run: &run, nodes: nodes)
            switch end {
            case .finished(let final):
                return FlowRun(outcome: .completed(output: Self.finalize(egress: state.egress, final: final)), trace: run.trace)
            case .paused(let next, let reason):
                let output: JSONValue = state.egress.isEmpty ? .null : .array(state.egress)
                var saved = state
                saved.egress = []
                return FlowRun(
                    outcome: .paused(snapshot: FlowSnapshot(flowID: flowID, nextNode: next, state: saved), reason: reason, output: output),
                    trace: run.trace
                )
            }
        } catch {
            return FlowRun(outcome: .failed(error), trace: run.trace)
        }
    }

    /// The original's `finalize_with`: no egress → the final payload; otherwise the egress
    /// followed by the final payload (an array is flattened in, `null` dropped).
    static func finalize(egress: [JSONValue], final: JSONValue) -> JSONValue {
        guard !egress.isEmpty else { return final }
        var output = egress
        switch final {
        case .null: break
        case .array(let elements): output.append(contentsOf: elements)
        default: output.append(final)
        }
        return .array(output)
    }

    enum DriveEnd {
        case finished(JSONValue)
        case paused(next: String, reason: String?)
    }

    func drive(
        _ flow: FlowDefinition,
        state: inout ExecutionState,
        from startNode: String,
        depth: Int,
        run: inout RunContext,
        nodes: some NodeRunner
    ) async throws(FlowError) -> DriveEnd {
        var current = startNode
        while true {
            guard let node = flow.nodes[current] else {
                throw FlowError(.unknownNode, "node '\(current)' does not exist in flow '\(flow.id)'", node: current)
            }
            try run.beginNode(node.id)
            let context = state.templateContext(parameters: flow.parameters)
            let step = try await execute(node, in: flow, context: context, depth: depth, run: &run, nodes: nodes)
            try run.checkSize(step.result.payload, what: "payload", node: node.id)
            state.nodes[node.id] = step.result
            state.egress.append(contentsOf: step.egress)
            run.trace.append(
                NodeTrace(
                    flowID: flow.id,
                    nodeID: node.id,
                    component: node.component,
                    ok: step.result.ok,
                    payload: step.result.payload,
                    error: step.failure?.description
                )
            )

            if let failure = step.failure {
                guard let route = node.routes.first(where: { $0.label == "error" && $0.target != nil }), let target = route.target else {
                    throw FlowError(.nodeFailed, "node '\(node.id)' failed: \(failure)", node: node.id)
                }
                guard case .node(let next) = target else { return .finished(step.result.payload) }
                current = next
                continue
            }
            let route = node.routes.selectRoute(label: step.label)
            if let pause = step.pause {
                guard case .node(let next) = route?.target else {
                    throw FlowError(
                        .pauseNotAllowed,
                        "node '\(node.id)' pauses but has no `to` route to resume at",
                        node: node.id,
                        field: "routing"
                    )
                }
                guard depth == 0 else {
                    throw FlowError(.pauseNotAllowed, "a flow run by flow.call cannot pause (node '\(node.id)')", node: node.id)
                }
                return .paused(next: next, reason: pause.reason)
            }
            switch route?.target {
            case .node(let next): current = next
            case .out, .none: return .finished(step.result.payload)
            }
        }
    }
}

/// Per-run bookkeeping: node budget, deadline, trace.
struct RunContext {
    let limits: FlowLimits
    let deadline: ContinuousClock.Instant
    var executed = 0
    var trace: [NodeTrace] = []

    init(limits: FlowLimits, deadline: ContinuousClock.Instant) {
        self.limits = limits
        self.deadline = deadline
    }

    var templateLimits: TemplateLimits { TemplateLimits(maxOutputBytes: limits.maxTemplateOutputBytes) }

    mutating func beginNode(_ id: String) throws(FlowError) {
        executed += 1
        guard executed <= limits.maxNodes else {
            throw FlowError(.tooManyNodes, "the run executed more than \(limits.maxNodes) nodes (a routing loop?)", node: id)
        }
        guard ContinuousClock.now < deadline else {
            throw FlowError(.timedOut, "the run exceeded its time limit of \(limits.maxWallTimeMs) ms", node: id)
        }
        guard !Task.isCancelled else {
            throw FlowError(.timedOut, "the run was cancelled", node: id)
        }
    }

    func checkSize(_ value: JSONValue, what: String, node: String?) throws(FlowError) {
        let size = value.serializedByteCount
        guard size <= limits.maxPayloadBytes else {
            throw FlowError(.payloadTooLarge, "\(what) is \(size) bytes, above the limit of \(limits.maxPayloadBytes)", node: node)
        }
    }
}
