internal import RunnerFlow
internal import RunnerWasm

/// One pack version ready to serve: its parsed flows and compiled components. A reload builds it
/// once per digest and every tenant on that version shares it (flows and modules are immutable;
/// Wasm instances stay per tenant, pooled by tenant and pack).
struct BuiltPack: Sendable {
    let version: PackVersion
    let flows: [FlowDefinition]
    /// By name and by `name@version`.
    let components: [String: CompiledComponent]
}
