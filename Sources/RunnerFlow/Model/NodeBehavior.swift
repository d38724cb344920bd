internal import RunnerTemplates

/// The engine's view of a node: which built-in runs it, with templates parsed at load time so
/// a bad template rejects the pack at reload instead of failing the first message.
enum NodeBehavior: Sendable {
    /// `qa.process`: the rendered payload is the output.
    case passThrough(RenderPlan)
    /// `templating.handlebars`: renders `template` once against the node context merged with
    /// the rendered `data`; output `{"text": …}`.
    case template(template: Template, partials: [String: Template], data: RenderPlan?)
    /// `flow.call`: runs another flow of the same pack with the rendered `input`.
    case flowCall(RenderPlan)
    /// `emit…`: queues the rendered payload as egress.
    case emit(RenderPlan)
    /// `session.wait`: pauses the conversation.
    case wait(RenderPlan)
    /// A pack component named by the node key; its rendered config is the call input.
    case component(String, input: RenderPlan)
    /// `component.exec: {component, input}`: a pack component named explicitly.
    case componentExec(String, input: RenderPlan)
}
