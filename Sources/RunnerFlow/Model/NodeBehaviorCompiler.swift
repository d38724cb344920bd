internal import RunnerCore
internal import RunnerTemplates

/// Turns a node's component key and configuration into a ``NodeBehavior``, validating the
/// configuration of built-in nodes and parsing every template.
struct NodeBehaviorCompiler {
    let file: String
    let node: String
    let component: String

    /// Built-in components that are recognised but not provided by this runner.
    private static let unsupported: [String: String] = [
        "mcp.exec": "mcp.exec is not supported; package the tool as a Wasm component and call it with component.exec"
    ]

    private func fail(_ message: String, field: String? = nil) -> FlowError {
        FlowError(.invalidFlow, message, file: file, node: node, field: field.map { "\(component).\($0)" } ?? component)
    }

    private func plan(_ value: JSONValue, field: String) throws(FlowError) -> RenderPlan {
        do {
            return try RenderPlan(compiling: value, field: field)
        } catch {
            throw FlowError(
                .invalidFlow,
                "template does not parse: \(error.error)",
                file: file,
                node: node,
                field: error.field.isEmpty ? component : "\(component).\(error.field)"
            )
        }
    }

    private func template(_ source: String, field: String) throws(FlowError) -> Template {
        do {
            return try Template(source)
        } catch {
            throw fail("template does not parse: \(error)", field: field)
        }
    }

    func compile(_ config: JSONValue) throws(FlowError) -> NodeBehavior {
        if let reason = Self.unsupported[component] {
            throw FlowError(.unsupportedComponent, reason, file: file, node: node, field: component)
        }
        switch component {
        case "qa.process":
            return .passThrough(try plan(config, field: ""))
        case "templating.handlebars":
            return try compileTemplating(config)
        case "flow.call":
            guard let members = config.objectValue else { throw fail("flow.call needs a mapping {flow_id, input?}") }
            let target = members["flow_id"] ?? members["flow"]
            guard let name = target?.stringValue, !name.isEmpty else {
                throw fail("flow.call needs a non-empty 'flow_id'", field: "flow_id")
            }
            return .flowCall(try plan(config, field: ""))
        case "session.wait":
            return .wait(try plan(config, field: ""))
        case "component.exec":
            guard let members = config.objectValue, let name = members["component"]?.stringValue, !name.isEmpty else {
                throw fail("component.exec needs a mapping {component, input?} with a non-empty 'component'", field: "component")
            }
            return .componentExec(name, input: try plan(members["input"] ?? .null, field: "input"))
        default:
            if component.hasPrefix("emit") {
                return .emit(try plan(config, field: ""))
            }
            return .component(component, input: try plan(config, field: ""))
        }
    }

    private func compileTemplating(_ config: JSONValue) throws(FlowError) -> NodeBehavior {
        guard let members = config.objectValue else {
            throw fail("templating.handlebars needs a mapping {template, partials?, data?}")
        }
        guard let source = members["template"]?.stringValue else {
            throw fail("templating.handlebars needs a 'template' string", field: "template")
        }
        var partials: [String: Template] = [:]
        if let rawPartials = members["partials"], !rawPartials.isNull {
            guard let entries = rawPartials.objectValue else {
                throw fail("'partials' must map names to template strings", field: "partials")
            }
            for (name, body) in entries {
                guard let text = body.stringValue else { throw fail("partial '\(name)' must be a string", field: "partials.\(name)") }
                partials[name] = try template(text, field: "partials.\(name)")
            }
        }
        let data = try members["data"].map { value throws(FlowError) in try plan(value, field: "data") }
        return .template(template: try template(source, field: "template"), partials: partials, data: data)
    }
}
