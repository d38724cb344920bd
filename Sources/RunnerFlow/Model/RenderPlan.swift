internal import RunnerCore
internal import RunnerTemplates

/// A node configuration with its templates parsed: strings containing `{{` become templates,
/// everything else is kept literally. Rendering replaces each template with its output string,
/// recursively through arrays and objects (reference §7.2).
indirect enum RenderPlan: Sendable {
    case literal(JSONValue)
    case template(Template)
    case array([RenderPlan])
    case object([String: RenderPlan])

    /// Parses every template inside `value`.
    ///
    /// - Parameter field: the dotted path of `value` inside the node, for error messages.
    /// - Throws: ``FlowError`` naming the field whose template does not parse.
    init(compiling value: JSONValue, field: String) throws(TemplateFieldError) {
        switch value {
        case .string(let text) where text.contains("{{"):
            do {
                self = .template(try Template(text))
            } catch {
                throw TemplateFieldError(field: field, error: error)
            }
        case .array(let elements):
            var plans: [RenderPlan] = []
            var hasTemplate = false
            for (offset, element) in elements.enumerated() {
                let plan = try RenderPlan(compiling: element, field: "\(field)[\(offset)]")
                if case .literal = plan {} else { hasTemplate = true }
                plans.append(plan)
            }
            self = hasTemplate ? .array(plans) : .literal(value)
        case .object(let members):
            var plans: [String: RenderPlan] = [:]
            var hasTemplate = false
            for (key, member) in members {
                let plan = try RenderPlan(compiling: member, field: field.isEmpty ? key : "\(field).\(key)")
                if case .literal = plan {} else { hasTemplate = true }
                plans[key] = plan
            }
            self = hasTemplate ? .object(plans) : .literal(value)
        default:
            self = .literal(value)
        }
    }

    /// Renders the plan against a Handlebars context.
    func render(_ context: JSONValue, limits: TemplateLimits) throws(TemplateError) -> JSONValue {
        switch self {
        case .literal(let value):
            return value
        case .template(let template):
            return .string(try template.render(context, limits: limits))
        case .array(let plans):
            var output: [JSONValue] = []
            output.reserveCapacity(plans.count)
            for plan in plans { output.append(try plan.render(context, limits: limits)) }
            return .array(output)
        case .object(let plans):
            var output: [String: JSONValue] = [:]
            output.reserveCapacity(plans.count)
            for (key, plan) in plans { output[key] = try plan.render(context, limits: limits) }
            return .object(output)
        }
    }
}

/// A template that failed to parse, with the config field it came from.
struct TemplateFieldError: Error {
    let field: String
    let error: TemplateError
}
