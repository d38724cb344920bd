internal import RunnerCore
internal import RunnerFlow
internal import RunnerIngress
internal import RunnerWasm

/// Everything needed to serve one tenant at one set of pack versions: immutable, built by the
/// reloader off to the side and swapped in whole.
///
/// Requests hold the runtime they started with, so a reload never changes a run midway.
struct TenantRuntime: Sendable {
    let tenant: String
    let bindings: TenantBindings
    /// The main pack first, then the overlays in index order.
    let packs: [PackVersion]
    /// The merged flows (a later pack's flow replaces an earlier one with the same id).
    let engine: FlowEngine
    /// Which pack provides each flow.
    let flowOwners: [String: PackVersion]
    /// Components by `name` and `name@version`; later packs win.
    let components: [String: CompiledComponent]

    var main: PackVersion { packs[0] }

    /// The digests that identify this runtime; a reload rebuilds it only when they change.
    var digests: [String] { packs.map(\.digest) }

    /// The flow an event asks for.
    func flow(for selector: FlowSelector) throws(IngressError) -> FlowDefinition {
        switch selector {
        case .id(let id, let requiredType):
            guard let flow = engine.flows[id] else { throw IngressError(.notFound, "flow not found") }
            if let requiredType, flow.type.rawValue != requiredType {
                throw IngressError(.conflict, "flow is not registered as a \(requiredType)")
            }
            return flow
        case .firstOfType(let type):
            let preferred = main.entryFlows.compactMap { engine.flows[$0] }.first { $0.type.rawValue == type }
            let fallback = engine.flows.values.filter { $0.type.rawValue == type }.min { $0.id < $1.id }
            guard let flow = preferred ?? fallback else { throw IngressError(.notFound, "no \(type) flow is deployed for this tenant") }
            return flow
        }
    }
}
