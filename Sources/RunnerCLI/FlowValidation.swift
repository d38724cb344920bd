internal import ArgumentParser
internal import RunnerFlow
internal import RunnerPacks

/// Full validation of a pack source's flows before building, so `pack build` reports flow
/// errors with file, node and field instead of producing a pack the server would refuse.
enum FlowValidation {
    static func validate(_ input: PackBuilder.Input) throws {
        var componentNames: Set<String> = []
        for component in input.components {
            componentNames.insert(component.name)
            componentNames.insert("\(component.name)@\(component.version)")
        }
        var flows: [FlowDefinition] = []
        for flow in input.flows {
            do {
                flows.append(try FlowDefinition(ygtc: flow.yaml, file: flow.source))
            } catch {
                throw ValidationError("\(error)")
            }
        }
        let ids = Set(flows.map(\.id))
        for flow in flows {
            for reference in flow.componentReferences where !componentNames.contains(reference) {
                throw ValidationError("flow \(flow.id) calls component '\(reference)', which is not in components/")
            }
            for called in flow.calledFlows where !ids.contains(called) {
                throw ValidationError("flow \(flow.id) calls flow '\(called)', which is not in flows/")
            }
        }
    }
}
