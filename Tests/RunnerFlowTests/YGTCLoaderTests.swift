import RunnerCore
import Testing

@testable import RunnerFlow

@Suite("YGTC loader")
struct YGTCLoaderTests {
    @Test func loadsAFlow() throws {
        let flow = try FlowDefinition(
            ygtc: """
                id: weather_bot
                title: Weather Bot
                type: messaging
                parameters: {days: 3}
                nodes:
                  in:
                    qa.process: {welcome: "Hi {{input.text}}"}
                    routing:
                      - to: forecast
                  forecast:
                    weather@1.2.0: {q: "{{input.text}}"}
                    routing:
                      - on: error
                        to: sorry
                      - out: true
                  sorry:
                    templating.handlebars: {template: "sorry"}
                """,
            file: "weather.ygtc"
        )
        #expect(flow.id == "weather_bot")
        #expect(flow.type == .messaging)
        #expect(flow.start == "in")
        #expect(flow.parameters == ["days": 3])
        #expect(flow.componentReferences == ["weather@1.2.0"])
        #expect(flow.nodes["forecast"]?.routes == [FlowRoute(target: .node("sorry"), label: "error"), FlowRoute(target: .out)])
        #expect(flow.nodes["in"]?.config == ["welcome": "Hi {{input.text}}"])
    }

    @Test func startDefaultsToTheFirstSortedNode() throws {
        let flow = try FlowDefinition(ygtc: "id: f\ntype: webhook\nnodes:\n  b: {qa.process: {}}\n  a: {qa.process: {}}\n", file: "f")
        #expect(flow.start == "a")
    }

    @Test(
        arguments: [
            ("type: messaging\nnodes: {a: {qa.process: {}}}", nil, "id"),
            ("id: f\ntype: chat\nnodes: {a: {qa.process: {}}}", nil, "type"),
            ("id: f\nnodes: {a: {qa.process: {}}}", nil, "type"),
            ("id: f\ntype: webhook\nnodes: {}", nil, "nodes"),
            ("id: f\ntype: webhook\nnodes: {a: {qa.process: {}, emit.x: {}}}", "a", nil),
            ("id: f\ntype: webhook\nnodes: {a: {routing: []}}", "a", nil),
            ("id: f\ntype: webhook\nnodes: {'1bad': {qa.process: {}}}", "1bad", nil),
            ("id: f\ntype: webhook\nnodes: {a: {qa.process: {}, routing: [{to: missing}]}}", "a", "routing"),
            ("id: f\ntype: webhook\nnodes: {a: {qa.process: {}, routing: [{goto: b}]}}", "a", "routing[0]"),
            ("id: f\ntype: webhook\nnodes: {a: {qa.process: {}, routing: [{out: yes please}]}}", "a", "routing[0]"),
            ("id: f\ntype: webhook\nstart: nope\nnodes: {a: {qa.process: {}}}", nil, "start"),
            ("id: f\ntype: webhook\nnodes: {a: {qa.process: {x: '{{#if}}'}}}", "a", "qa.process.x"),
            ("id: f\ntype: webhook\nnodes: {a: {templating.handlebars: {text: hi}}}", "a", "templating.handlebars.template"),
            ("id: f\ntype: webhook\nnodes: {a: {templating.handlebars: {template: '{{#each x}}'}}}", "a", "templating.handlebars.template"),
            ("id: f\ntype: webhook\nnodes: {a: {flow.call: {input: 1}}}", "a", "flow.call.flow_id"),
            ("id: f\ntype: webhook\nnodes: {a: {component.exec: {input: 1}}}", "a", "component.exec.component"),
            ("id: f\ntype: webhook\nnodes: {a: {'bad key!': {}}}", "a", "bad key!"),
            ("id: f\ntype: webhook\nbogus: 1\nnodes: {a: {qa.process: {}}}", nil, "bogus"),
            ("[1, 2]", nil, nil),
            ("id: f\ntype: webhook\nnodes: {a: [unclosed", nil, nil),
        ] as [(String, String?, String?)]
    )
    func rejectsMalformedFlowsNamingTheProblem(_ source: String, _ node: String?, _ field: String?) throws {
        let error = try #require(throws: FlowError.self) { try FlowDefinition(ygtc: source, file: "flows/f.ygtc") }
        #expect(error.code == .invalidFlow)
        #expect(error.file == "flows/f.ygtc")
        #expect(error.node == node)
        #expect(error.field == field)
        #expect(error.description.contains("flows/f.ygtc"))
    }

    @Test func mcpExecIsRefusedWithAHint() throws {
        let error = try #require(throws: FlowError.self) {
            try FlowDefinition(ygtc: "id: f\ntype: webhook\nnodes: {a: {mcp.exec: {component: x, action: y}}}", file: "f")
        }
        #expect(error.code == .unsupportedComponent)
        #expect(error.message.contains("component.exec"))
    }
}
