import Foundation
import RunnerCore
import RunnerTestSupport
import Testing

@testable import RunnerFlow

func loadFlows(_ sources: String...) throws -> [String: FlowDefinition] {
    var flows: [String: FlowDefinition] = [:]
    for source in sources {
        let flow = try FlowDefinition(ygtc: source, file: "test.ygtc")
        flows[flow.id] = flow
    }
    return flows
}

extension FlowRun {
    var completedOutput: JSONValue? {
        if case .completed(let output) = outcome { return output }
        return nil
    }
    var failure: FlowError? {
        if case .failed(let error) = outcome { return error }
        return nil
    }
    var pause: (snapshot: FlowSnapshot, reason: String?, output: JSONValue)? {
        if case .paused(let snapshot, let reason, let output) = outcome { return (snapshot, reason, output) }
        return nil
    }
}

@Suite("Flow engine")
struct FlowEngineTests {
    @Test func rendersPayloadsWithInputNodesAndParameters() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                """
                id: f
                type: webhook
                parameters: {greeting: Hello}
                nodes:
                  a:
                    qa.process: {msg: "{{parameters.greeting}}, {{input.name}} & co", n: 5, list: ["{{input.name}}", 2]}
                    routing: [{to: b}]
                  b:
                    qa.process: {echo: "{{nodes.a.payload.msg}} / {{{nodes.a.payload.msg}}} / {{nodes.a.ok}}"}
                """
            )
        )
        let run = await engine.run(flowID: "f", input: ["name": "Ada"], nodes: RecordingNodeRunner())
        #expect(run.completedOutput == ["echo": "Hello, Ada &amp; co / Hello, Ada & co / true"])
        #expect(run.trace.map(\.nodeID) == ["a", "b"])
        #expect(run.trace.first?.payload == ["msg": "Hello, Ada & co", "n": 5, "list": ["Ada", 2]])
    }

    @Test func templatingRendersOnceWithPartialsAndData() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                """
                id: f
                type: webhook
                nodes:
                  t:
                    templating.handlebars:
                      template: "Weather in {{city}}: {{> line}}"
                      partials: {line: "{{temp}}C today"}
                      data: {city: "{{input.city}}", temp: 20}
                """
            )
        )
        let run = await engine.run(flowID: "f", input: ["city": "London"], nodes: RecordingNodeRunner())
        #expect(run.completedOutput == ["text": "Weather in London: 20C today"])
    }

    @Test func templateTextIsNotPreRendered() async throws {
        // If the template were rendered as config first, `{{input.x}}` would be substituted
        // and then rendered again, turning the literal braces of the input into a template.
        let engine = FlowEngine(
            flows: try loadFlows("id: f\ntype: webhook\nnodes:\n  t:\n    templating.handlebars: {template: \"[{{input.x}}]\"}\n")
        )
        let run = await engine.run(flowID: "f", input: ["x": "{{input.x}}"], nodes: RecordingNodeRunner())
        #expect(run.completedOutput == ["text": "[{{input.x}}]"])
    }

    @Test func emitsAreFinalisedBeforeTheFinalPayload() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                """
                id: f
                type: messaging
                nodes:
                  a: {emit.reply: {text: one}, routing: [{to: b}]}
                  b: {emit: {text: two}, routing: [{to: c}]}
                  c: {qa.process: [{text: three}, {text: four}], routing: [{out: true}]}
                """
            )
        )
        let run = await engine.run(flowID: "f", input: nil, nodes: RecordingNodeRunner())
        #expect(run.completedOutput == [["text": "one"], ["text": "two"], ["text": "three"], ["text": "four"]])
    }

    @Test func finalize() {
        #expect(FlowEngine.finalize(egress: [], final: "x") == "x")
        #expect(FlowEngine.finalize(egress: ["e"], final: nil) == ["e"])
        #expect(FlowEngine.finalize(egress: ["e"], final: ["a", "b"]) == ["e", "a", "b"])
        #expect(FlowEngine.finalize(egress: ["e"], final: ["k": 1]) == ["e", ["k": 1]])
    }

    static let conversation = """
        id: chat
        type: messaging
        start: ask
        nodes:
          ask: {emit.reply: {text: "What's your name?"}, routing: [{to: wait}]}
          wait: {session.wait: {reason: name}, routing: [{to: greet}]}
          greet:
            templating.handlebars: {template: "Hi {{input.text}}, you said {{nodes.first.payload.text}} first"}
            routing: [{out: true}]
          first: {qa.process: {text: "{{input.text}}"}, routing: [{to: ask}]}
        """

    @Test func pausesAndResumesKeepingNodesAndReplacingInput() async throws {
        let engine = FlowEngine(flows: try loadFlows(Self.conversation.replacingOccurrences(of: "start: ask", with: "start: first")))
        let first = await engine.run(flowID: "chat", input: ["text": "hello"], nodes: RecordingNodeRunner())
        let pause = try #require(first.pause)
        #expect(pause.reason == "name")
        #expect(pause.output == [["text": "What's your name?"]])
        #expect(pause.snapshot.nextNode == "greet")
        #expect(pause.snapshot.state.egress.isEmpty)
        #expect(Set(pause.snapshot.state.nodes.keys) == ["first", "ask", "wait"])

        let decoded = try #require(FlowSnapshot(json: try JSONValue(parsing: pause.snapshot.json.serializedBytes())))
        #expect(decoded == pause.snapshot)

        let second = await engine.run(flowID: "chat", input: ["text": "Ada"], resume: decoded, nodes: RecordingNodeRunner())
        #expect(second.completedOutput == ["text": "Hi Ada, you said hello first"])
        #expect(second.trace.map(\.nodeID) == ["greet"])
    }

    @Test func snapshotUsesTheOriginalFormat() async throws {
        let engine = FlowEngine(flows: try loadFlows(Self.conversation))
        let run = await engine.run(flowID: "chat", input: ["text": "x"], nodes: RecordingNodeRunner())
        let json = try #require(run.pause).snapshot.json
        #expect(json["flow_id"] == "chat")
        #expect(json["next_node"] == "greet")
        #expect(json["state"]?["input"] == ["text": "x"])
        #expect(json["state"]?["egress"] == [])
        #expect(json["state"]?["nodes"]?["ask"] == ["ok": true, "payload": ["text": "What's your name?"], "meta": nil])
    }

    @Test func waitWithoutAToRouteFails() async throws {
        let engine = FlowEngine(flows: try loadFlows("id: f\ntype: messaging\nnodes:\n  w: {session.wait: {}, routing: [{out: true}]}\n"))
        let run = await engine.run(flowID: "f", input: nil, nodes: RecordingNodeRunner())
        #expect(run.failure?.code == .pauseNotAllowed)
    }

    @Test func waitWithoutAReasonStillPauses() async throws {
        let engine = FlowEngine(
            flows: try loadFlows("id: f\ntype: messaging\nnodes:\n  w: {session.wait: {}, routing: [{to: x}]}\n  x: {qa.process: done}\n")
        )
        let run = await engine.run(flowID: "f", input: nil, nodes: RecordingNodeRunner())
        #expect(run.pause?.reason == nil)
        #expect(run.pause?.snapshot.nextNode == "x")
    }

    @Test func flowCallRunsASubflowAndCannotPause() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                "id: main\ntype: webhook\nnodes:\n  c: {flow.call: {flow_id: sub, input: {v: \"{{input.v}}\"}}, routing: [{to: d}]}\n  d: {qa.process: {got: \"{{nodes.c.payload.doubled}}\"}}\n",
                "id: sub\ntype: webhook\nnodes:\n  s: {qa.process: {doubled: \"{{input.v}}{{input.v}}\"}}\n",
                "id: pausing\ntype: webhook\nnodes:\n  c: {flow.call: {flow: waits}}\n",
                "id: waits\ntype: webhook\nnodes:\n  w: {session.wait: r, routing: [{to: x}]}\n  x: {qa.process: {}}\n"
            )
        )
        let run = await engine.run(flowID: "main", input: ["v": "ab"], nodes: RecordingNodeRunner())
        #expect(run.completedOutput == ["got": "abab"])
        // The trace lists nodes in completion order: the sub-flow finishes before its caller node.
        #expect(run.trace.map { "\($0.flowID).\($0.nodeID)" } == ["sub.s", "main.c", "main.d"])
        let paused = await engine.run(flowID: "pausing", input: nil, nodes: RecordingNodeRunner())
        #expect(paused.failure?.code == .pauseNotAllowed)
    }

    @Test func recursiveFlowCallHitsTheDepthLimit() async throws {
        let engine = FlowEngine(flows: try loadFlows("id: loop\ntype: webhook\nnodes:\n  c: {flow.call: {flow_id: loop}}\n"))
        let run = await engine.run(flowID: "loop", input: nil, nodes: RecordingNodeRunner())
        #expect(run.failure?.code == .callDepthExceeded)
    }

    @Test func componentNodesGetRenderedInputAndRawConfig() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                "id: f\ntype: webhook\nnodes:\n  a: {greeter@1.0.0: {name: \"{{input.n}}\"}, routing: [{to: b}]}\n  b: {component.exec: {component: other, input: {x: \"{{nodes.a.payload.name}}\"}}}\n"
            )
        )
        let nodes = RecordingNodeRunner()
        let run = await engine.run(flowID: "f", input: ["n": "Ada"], nodes: nodes)
        #expect(run.completedOutput == ["x": "Ada"])
        #expect(nodes.calls.count == 2)
        #expect(nodes.calls[0].component == "greeter@1.0.0")
        #expect(nodes.calls[0].input == ["name": "Ada"])
        #expect(nodes.calls[0].config == ["name": "{{input.n}}"])
        #expect(nodes.calls[1].component == "other")
        #expect(nodes.calls[1].config == ["component": "other", "input": ["x": "{{nodes.a.payload.name}}"]])
    }

    @Test func labelledRoutesFollowTheComponentsLabel() async throws {
        let flows = try loadFlows(
            """
            id: f
            type: webhook
            nodes:
              decide: {router: {}, routing: [{on: approve, to: y}, {on: reject, to: n}, {to: other}]}
              y: {qa.process: "yes"}
              n: {qa.process: "no"}
              other: {qa.process: "other"}
            """
        )
        let engine = FlowEngine(flows: flows)
        for (label, expected) in [("approve", "yes"), ("reject", "no"), ("maybe", "other")] as [(String, JSONValue)] {
            let nodes = RecordingNodeRunner { _, _ in ComponentResult(payload: nil, route: label) }
            #expect(await engine.run(flowID: "f", input: nil, nodes: nodes).completedOutput == expected)
        }
        let unlabelled = RecordingNodeRunner { _, _ in ComponentResult(payload: nil) }
        #expect(await engine.run(flowID: "f", input: nil, nodes: unlabelled).completedOutput == "other")
    }

    @Test func failedNodesFollowAnErrorRouteOrFailTheRun() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                "id: handled\ntype: webhook\nnodes:\n  a: {boom: {}, routing: [{on: error, to: b}, {to: c}]}\n  b: {qa.process: {sorry: \"{{nodes.a.payload.error.code}} {{nodes.a.ok}}\"}}\n  c: {qa.process: fine}\n",
                "id: unhandled\ntype: webhook\nnodes:\n  a: {boom: {}, routing: [{to: c}]}\n  c: {qa.process: fine}\n"
            )
        )
        let failing = RecordingNodeRunner { _, _ throws(NodeError) in throw NodeError(code: "trap", message: "unreachable") }
        let handled = await engine.run(flowID: "handled", input: nil, nodes: failing)
        #expect(handled.completedOutput == ["sorry": "trap false"])
        #expect(handled.trace.first?.ok == false)
        let unhandled = await engine.run(flowID: "unhandled", input: nil, nodes: failing)
        #expect(unhandled.failure?.code == .nodeFailed)
        #expect(unhandled.failure?.node == "a")
        #expect(unhandled.trace.count == 1)
    }

    @Test func transientErrorsAreRetried() async throws {
        let engine = FlowEngine(
            flows: try loadFlows("id: f\ntype: webhook\nnodes:\n  a: {flaky: {}}\n"),
            retry: RetryPolicy(maxAttempts: 3, baseDelayMs: 1)
        )
        let nodes = RecordingNodeRunner { _, attempt throws(NodeError) in
            guard attempt >= 3 else { throw NodeError(code: "busy", message: "try later", transient: true) }
            return ComponentResult(payload: "ok")
        }
        #expect(await engine.run(flowID: "f", input: nil, nodes: nodes).completedOutput == "ok")
        #expect(nodes.calls.count == 3)

        let permanent = RecordingNodeRunner { _, _ throws(NodeError) in throw NodeError(code: "bad", message: "no", transient: false) }
        #expect(await engine.run(flowID: "f", input: nil, nodes: permanent).failure?.code == .nodeFailed)
        #expect(permanent.calls.count == 1)
    }

    @Test func componentWaitPausesAndEgressIsQueued() async throws {
        let engine = FlowEngine(
            flows: try loadFlows("id: f\ntype: messaging\nnodes:\n  a: {asker: {}, routing: [{to: b}]}\n  b: {qa.process: done}\n")
        )
        let nodes = RecordingNodeRunner { _, _ in ComponentResult(payload: 1, wait: .init(reason: "more"), egress: [["text": "q?"]]) }
        let run = await engine.run(flowID: "f", input: nil, nodes: nodes)
        #expect(run.pause?.reason == "more")
        #expect(run.pause?.output == [["text": "q?"]])
        #expect(run.pause?.snapshot.nextNode == "b")
    }

    @Test func loopsHitTheNodeLimit() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                "id: f\ntype: webhook\nnodes:\n  a: {qa.process: {}, routing: [{to: b}]}\n  b: {qa.process: {}, routing: [{to: a}]}\n"
            ),
            limits: FlowLimits(maxNodes: 50)
        )
        let run = await engine.run(flowID: "f", input: nil, nodes: RecordingNodeRunner())
        #expect(run.failure?.code == .tooManyNodes)
        #expect(run.trace.count == 50)
    }

    @Test func payloadsAboveTheLimitFail() async throws {
        let engine = FlowEngine(
            flows: try loadFlows("id: f\ntype: webhook\nnodes:\n  a: {big: {}}\n"),
            limits: FlowLimits(maxPayloadBytes: 1000)
        )
        let nodes = RecordingNodeRunner { _, _ in ComponentResult(payload: .string(String(repeating: "x", count: 2000))) }
        #expect(await engine.run(flowID: "f", input: nil, nodes: nodes).failure?.code == .payloadTooLarge)
        let bigInput = await engine.run(flowID: "f", input: .string(String(repeating: "y", count: 2000)), nodes: RecordingNodeRunner())
        #expect(bigInput.failure?.code == .payloadTooLarge)
    }

    @Test func theWallClockLimitStopsARun() async throws {
        let engine = FlowEngine(
            flows: try loadFlows("id: f\ntype: webhook\nnodes:\n  a: {slow: {}, routing: [{to: b}]}\n  b: {qa.process: {}}\n"),
            limits: FlowLimits(maxWallTimeMs: 1)
        )
        let nodes = RecordingNodeRunner { _, _ in
            var spin = 0
            for index in 0..<5_000_000 { spin &+= index }
            return ComponentResult(payload: .int(Int64(spin & 1)))
        }
        #expect(await engine.run(flowID: "f", input: nil, nodes: nodes).failure?.code == .timedOut)
    }

    @Test func unknownFlowAndResumeMismatch() async throws {
        let engine = FlowEngine(flows: try loadFlows("id: f\ntype: webhook\nnodes:\n  a: {qa.process: {}}\n"))
        #expect(await engine.run(flowID: "nope", input: nil, nodes: RecordingNodeRunner()).failure?.code == .unknownFlow)
        let foreign = FlowSnapshot(flowID: "other", nextNode: "a", state: ExecutionState(input: nil))
        #expect(await engine.run(flowID: "f", input: nil, resume: foreign, nodes: RecordingNodeRunner()).failure?.code == .unknownFlow)
        let gone = FlowSnapshot(flowID: "f", nextNode: "vanished", state: ExecutionState(input: nil))
        #expect(await engine.run(flowID: "f", input: nil, resume: gone, nodes: RecordingNodeRunner()).failure?.code == .unknownNode)
    }
}

@Suite("Routing")
struct RoutingTests {
    @Test func anOutRouteWinsOverAnEarlierToRouteAsInTheOriginal() async throws {
        let engine = FlowEngine(
            flows: try loadFlows(
                "id: f\ntype: webhook\nnodes:\n  a: {qa.process: first, routing: [{to: b}, {out: true}]}\n  b: {qa.process: second}\n"
            )
        )
        let run = await engine.run(flowID: "f", input: nil, nodes: RecordingNodeRunner())
        #expect(run.completedOutput == "first")
        #expect(run.trace.count == 1)
    }

    @Test func routesWithNeitherTargetAreSkipped() {
        let routes = [FlowRoute(target: nil), FlowRoute(target: .node("x")), FlowRoute(target: .node("y"))]
        #expect(routes.selectRoute(label: nil) == FlowRoute(target: .node("x")))
        #expect([FlowRoute(target: nil)].selectRoute(label: nil) == nil)
        #expect([FlowRoute(target: .node("x"), label: "l")].selectRoute(label: nil) == nil)
    }
}
