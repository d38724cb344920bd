internal import Foundation
internal import NIOPosix
internal import RunnerCore
internal import RunnerFlow
internal import RunnerPacks
internal import RunnerWasm

/// Builds a ``TenantRuntime`` from verified packs: parses every flow, compiles and validates
/// every component, and checks that every component and `flow.call` reference resolves, so a
/// broken pack is refused at load instead of failing a user's message.
struct TenantRuntimeBuilder: Sendable {
    let wasm: WasmRuntime
    let flowLimits: FlowLimits

    /// A pack as resolved from the index.
    struct Input: Sendable {
        var digest: String
        var pack: LoadedPack
    }

    /// ``build(tenant:bindings:packs:)`` on NIO's thread pool: compiling and validating Wasm is
    /// CPU work that must not occupy the Swift concurrency pool.
    func buildOffPool(tenant: String, bindings: TenantBindings, packs: [Input]) async throws(ConfigurationError) -> TenantRuntime {
        try await Self.offPool(tenant: tenant) { () throws(ConfigurationError) in
            try build(tenant: tenant, bindings: bindings, packs: packs)
        }
    }

    /// ``build(_:)`` on NIO's thread pool; the error names the pack, not a tenant.
    func buildOffPool(_ pack: Input) async throws(ConfigurationError) -> BuiltPack {
        try await Self.offPool(tenant: nil) { () throws(ConfigurationError) in try build(pack) }
    }

    private static func offPool<T: Sendable>(
        tenant: String?,
        _ work: @escaping @Sendable () throws(ConfigurationError) -> T
    ) async throws(ConfigurationError) -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive { try work() }
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(tenant.map { "tenant \($0): \(error)" } ?? "\(error)")
        }
    }

    /// Builds every pack, then the tenant's runtime from them.
    func build(tenant: String, bindings: TenantBindings, packs: [Input]) throws(ConfigurationError) -> TenantRuntime {
        var built: [BuiltPack] = []
        for input in packs {
            do {
                built.append(try build(input))
            } catch {
                throw ConfigurationError("tenant \(tenant): \(error.message)")
            }
        }
        return try runtime(tenant: tenant, bindings: bindings, packs: built)
    }

    /// Parses a pack's flows and compiles its components. Nothing in it depends on the tenant,
    /// so one build serves every tenant on that pack version.
    func build(_ input: Input) throws(ConfigurationError) -> BuiltPack {
        let manifest = input.pack.manifest
        let packID = manifest.meta.packID
        var hashes: [String: String] = [:]
        var flows: [FlowDefinition] = []
        for entry in manifest.flows {
            guard let source = input.pack.flowYAML(id: entry.id) else {
                throw ConfigurationError("pack \(packID) lists flow \(entry.id) but has no \(entry.fileYAML)")
            }
            let flow: FlowDefinition
            do {
                flow = try FlowDefinition(ygtc: source, file: "\(packID):\(entry.fileYAML)")
            } catch {
                throw ConfigurationError("\(error)")
            }
            guard flow.id == entry.id else {
                throw ConfigurationError("pack \(packID) flow file \(entry.fileYAML) declares id '\(flow.id)', manifest says '\(entry.id)'")
            }
            hashes[entry.id] = entry.hashBLAKE3
            flows.append(flow)
        }
        var components: [String: CompiledComponent] = [:]
        for component in manifest.components {
            guard let bytes = input.pack.file(component.fileWasm) else {
                throw ConfigurationError("pack \(packID) lists component \(component.name) but has no \(component.fileWasm)")
            }
            let compiled: CompiledComponent
            do {
                compiled = try wasm.compile(name: component.name, digest: component.hashBLAKE3, bytes: bytes)
            } catch {
                throw ConfigurationError("pack \(packID) component \(component.name)@\(component.version): \(error)")
            }
            components[component.name] = compiled
            components["\(component.name)@\(component.version)"] = compiled
        }
        let version = PackVersion(
            packID: packID,
            version: manifest.meta.version,
            digest: input.digest,
            flowHashes: hashes,
            entryFlows: manifest.meta.entryFlows
        )
        return BuiltPack(version: version, flows: flows, components: components)
    }

    /// The tenant's runtime over built packs, checking that every component and `flow.call`
    /// reference resolves among them.
    func runtime(tenant: String, bindings: TenantBindings, packs: [BuiltPack]) throws(ConfigurationError) -> TenantRuntime {
        guard !packs.isEmpty else { throw ConfigurationError("tenant \(tenant): no packs") }
        var flows: [String: FlowDefinition] = [:]
        var owners: [String: PackVersion] = [:]
        var components: [String: CompiledComponent] = [:]
        for pack in packs {
            for flow in pack.flows {
                flows[flow.id] = flow
                owners[flow.id] = pack.version
            }
            components.merge(pack.components) { $1 }
        }
        for flow in flows.values {
            for reference in flow.componentReferences where components[reference] == nil {
                throw ConfigurationError(
                    "tenant \(tenant): flow \(flow.id) calls component '\(reference)', which no pack of the tenant provides"
                )
            }
            for called in flow.calledFlows where flows[called] == nil && !called.contains("{{") {
                throw ConfigurationError("tenant \(tenant): flow \(flow.id) calls flow '\(called)', which no pack of the tenant provides")
            }
        }
        let retry = RetryPolicy(maxAttempts: bindings.retry.maxAttempts, baseDelayMs: bindings.retry.baseDelayMs)
        return TenantRuntime(
            tenant: tenant,
            bindings: bindings,
            packs: packs.map(\.version),
            engine: FlowEngine(flows: flows, limits: flowLimits, retry: retry),
            flowOwners: owners,
            components: components
        )
    }
}
