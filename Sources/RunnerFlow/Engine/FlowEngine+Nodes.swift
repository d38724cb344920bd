internal import RunnerCore
internal import RunnerTemplates

/// What executing one node produced, before routing.
struct NodeStep {
    var result: NodeResult
    var label: String?
    var pause: ComponentResult.Wait?
    var egress: [JSONValue] = []
    var failure: NodeError?
}

extension FlowEngine {
    func execute(
        _ node: FlowNode,
        in flow: FlowDefinition,
        context: JSONValue,
        depth: Int,
        run: inout RunContext,
        nodes: some NodeRunner
    ) async throws(FlowError) -> NodeStep {
        let limits = run.templateLimits
        func render(_ plan: RenderPlan) throws(FlowError) -> JSONValue {
            do {
                return try plan.render(context, limits: limits)
            } catch {
                throw FlowError(.template, "template failed: \(error)", node: node.id)
            }
        }
        switch node.behavior {
        case .passThrough(let plan):
            return NodeStep(result: NodeResult(ok: true, payload: try render(plan)))

        case .template(let template, let partials, let data):
            var merged = context
            if let data { merged = Self.deepMerge(context, try render(data)) }
            do {
                let text = try template.render(merged, partials: partials, limits: limits)
                return NodeStep(result: NodeResult(ok: true, payload: .object(["text": .string(text)])))
            } catch {
                throw FlowError(.template, "template failed: \(error)", node: node.id, field: "template")
            }

        case .emit(let plan):
            let payload = try render(plan)
            return NodeStep(result: NodeResult(ok: true, payload: payload), egress: [payload])

        case .wait(let plan):
            let payload = try render(plan)
            let reason = payload.stringValue ?? payload["reason"]?.stringValue
            return NodeStep(result: NodeResult(ok: true, payload: payload), pause: .init(reason: reason))

        case .flowCall(let plan):
            let payload = try render(plan)
            let target = (payload["flow_id"] ?? payload["flow"])?.stringValue ?? ""
            guard depth + 1 <= self.limits.maxCallDepth else {
                throw FlowError(.callDepthExceeded, "flow.call nests deeper than \(self.limits.maxCallDepth)", node: node.id)
            }
            guard let subflow = flows[target] else {
                throw FlowError(
                    .unknownFlow,
                    "flow.call target '\(target)' does not exist in this pack",
                    node: node.id,
                    field: "flow.call.flow_id"
                )
            }
            var substate = ExecutionState(input: payload["input"] ?? .null)
            let end = try await drive(subflow, state: &substate, from: subflow.start, depth: depth + 1, run: &run, nodes: nodes)
            guard case .finished(let final) = end else {
                throw FlowError(.pauseNotAllowed, "flow.call cannot pause (flow '\(target)' paused)", node: node.id)
            }
            return NodeStep(result: NodeResult(ok: true, payload: Self.finalize(egress: substate.egress, final: final)))

        case .component(let name, let plan), .componentExec(let name, let plan):
            let call = ComponentCall(
                flowID: flow.id,
                nodeID: node.id,
                component: name,
                input: try render(plan),
                config: node.config,
                deadline: run.deadline
            )
            do {
                let output = try await callWithRetry(call, deadline: run.deadline, nodes: nodes)
                return NodeStep(
                    result: NodeResult(ok: true, payload: output.payload),
                    label: output.route,
                    pause: output.wait,
                    egress: output.egress
                )
            } catch {
                return NodeStep(result: NodeResult(ok: false, payload: .object(["error": error.json])), label: "error", failure: error)
            }
        }
    }

    /// Calls a component, retrying transient failures with exponential backoff while the run's
    /// deadline allows. A failed call committed nothing (the runner discards its writes), so a
    /// retry never repeats a side effect.
    func callWithRetry(
        _ call: ComponentCall,
        deadline: ContinuousClock.Instant,
        nodes: some NodeRunner
    ) async throws(NodeError) -> ComponentResult {
        var attempt = 1
        while true {
            do {
                return try await nodes.runComponent(call)
            } catch {
                guard error.transient, attempt < retry.maxAttempts else { throw error }
                let (scaled, overflow) = retry.baseDelayMs.multipliedReportingOverflow(by: 1 << min(attempt - 1, 16))
                let delay = Duration.milliseconds(overflow ? Int.max / 1_000_000 : scaled)
                guard ContinuousClock.now.advanced(by: delay) < deadline else { throw error }
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw NodeError(code: "cancelled", message: "the run was cancelled")
                }
                attempt += 1
            }
        }
    }

    /// Merges `overlay` into `base`: objects merge recursively, anything else in `overlay` wins.
    static func deepMerge(_ base: JSONValue, _ overlay: JSONValue) -> JSONValue {
        guard case .object(var merged) = base, case .object(let extra) = overlay else { return overlay }
        for (key, value) in extra {
            merged[key] = merged[key].map { deepMerge($0, value) } ?? value
        }
        return .object(merged)
    }
}
