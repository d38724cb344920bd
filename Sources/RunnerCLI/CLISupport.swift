internal import ArgumentParser
internal import Foundation
internal import RunnerCore
internal import RunnerFlow
internal import RunnerPacks

/// Reading input files with a clear error.
enum CLIInput {
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return Array(data)
    }
}

/// Printing one JSON document to stdout.
enum CLIOutput {
    static func print(_ value: JSONValue) {
        Swift.print(PrettyJSON.format(value.serializedString()))
    }
}

/// Pretty-printing compact JSON for humans (2-space indent, keys already sorted).
enum PrettyJSON {
    static func format(_ compact: String) -> String {
        guard let data = compact.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return compact }
        return String(decoding: pretty, as: UTF8.self)
    }
}

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
