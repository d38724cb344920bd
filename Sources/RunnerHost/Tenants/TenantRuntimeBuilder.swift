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
        do {
            return try await NIOThreadPool.singleton.runIfActive { try build(tenant: tenant, bindings: bindings, packs: packs) }
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("tenant \(tenant): \(error)")
        }
    }

    func build(tenant: String, bindings: TenantBindings, packs: [Input]) throws(ConfigurationError) -> TenantRuntime {
        guard !packs.isEmpty else { throw ConfigurationError("tenant \(tenant): no packs") }
        var versions: [PackVersion] = []
        var flows: [String: FlowDefinition] = [:]
        var owners: [String: PackVersion] = [:]
        var components: [String: CompiledComponent] = [:]
        for input in packs {
            let manifest = input.pack.manifest
            let packID = manifest.meta.packID
            var hashes: [String: String] = [:]
            var packFlows: [FlowDefinition] = []
            for entry in manifest.flows {
                guard let source = input.pack.flowYAML(id: entry.id) else {
                    throw ConfigurationError("tenant \(tenant): pack \(packID) lists flow \(entry.id) but has no \(entry.fileYAML)")
                }
                let flow: FlowDefinition
                do {
                    flow = try FlowDefinition(ygtc: source, file: "\(packID):\(entry.fileYAML)")
                } catch {
                    throw ConfigurationError("tenant \(tenant): \(error)")
                }
                guard flow.id == entry.id else {
                    throw ConfigurationError(
                        "tenant \(tenant): pack \(packID) flow file \(entry.fileYAML) declares id '\(flow.id)', manifest says '\(entry.id)'"
                    )
                }
                hashes[entry.id] = entry.hashBLAKE3
                packFlows.append(flow)
            }
            let version = PackVersion(
                packID: packID,
                version: manifest.meta.version,
                digest: input.digest,
                flowHashes: hashes,
                entryFlows: manifest.meta.entryFlows
            )
            versions.append(version)
            for flow in packFlows {
                flows[flow.id] = flow
                owners[flow.id] = version
            }
            for component in manifest.components {
                guard let bytes = input.pack.file(component.fileWasm) else {
                    throw ConfigurationError(
                        "tenant \(tenant): pack \(packID) lists component \(component.name) but has no \(component.fileWasm)"
                    )
                }
                let compiled: CompiledComponent
                do {
                    compiled = try wasm.compile(name: component.name, digest: component.hashBLAKE3, bytes: bytes)
                } catch {
                    throw ConfigurationError("tenant \(tenant): pack \(packID) component \(component.name)@\(component.version): \(error)")
                }
                components[component.name] = compiled
                components["\(component.name)@\(component.version)"] = compiled
            }
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
            packs: versions,
            engine: FlowEngine(flows: flows, limits: flowLimits, retry: retry),
            flowOwners: owners,
            components: components
        )
    }
}
