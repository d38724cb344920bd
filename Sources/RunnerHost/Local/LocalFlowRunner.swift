internal import Foundation
internal import Logging
public import RunnerCore
public import RunnerFlow
internal import RunnerPacks
internal import RunnerWasm

/// Runs one flow of a pack file locally, without a server: the developer loop behind
/// `greentic-runner flow run`.
///
/// The pack is verified (dev-signed packs are accepted), every flow and component is loaded as
/// the server would, and the flow runs once with empty component state. Nothing is stored: a
/// pause is reported with its output, and the next run starts afresh.
public struct LocalFlowRunner: Sendable {
    /// The result of a local run.
    public struct Result: Sendable {
        /// `completed`, `paused` or `failed`.
        public var status: String
        public var output: JSONValue
        public var trace: [NodeTrace]
        public var error: FlowError?
        /// The wait reason, when paused.
        public var reason: String?

        /// The JSON printed by `flow run`.
        public var json: JSONValue {
            var members: [String: JSONValue] = [
                "ok": .bool(error == nil), "status": .string(status), "output": output, "trace": .array(trace.map(\.json)),
            ]
            if let error {
                members["error"] = ["code": .string(error.code.description), "message": .string(error.description)]
            }
            if let reason { members["reason"] = .string(reason) }
            return .object(members)
        }
    }

    private let runtime: TenantRuntime
    private let wasm: WasmRuntime

    /// Loads `archive` as tenant `local`.
    ///
    /// - Throws: ``ConfigurationError`` when the pack does not verify or load.
    public init(archive: [UInt8], tenant: String = "local", limits: FlowLimits = .init()) throws(ConfigurationError) {
        let loaded: LoadedPack
        do {
            loaded = try PackReader().open(archive, policy: .devOK)
        } catch {
            throw ConfigurationError("the pack does not verify: \(error)")
        }
        let wasm = WasmRuntime(configuration: .init(workerCount: 1))
        do {
            runtime = try TenantRuntimeBuilder(wasm: wasm, flowLimits: limits).build(
                tenant: tenant,
                bindings: TenantBindings(tenant: tenant),
                packs: [.init(digest: PackDigest.sha256(of: archive), pack: loaded)]
            )
        } catch {
            wasm.shutdown()
            throw error
        }
        self.wasm = wasm
    }

    /// The flow ids of the pack, sorted.
    public var flowIDs: [String] { runtime.engine.flows.keys.sorted() }

    /// Runs `flowID` with `input` as its `input`, resuming `resume` when given.
    public func run(
        flowID: String,
        input: JSONValue,
        sessionKey: String = "local:cli:session:user",
        resume: FlowSnapshot? = nil
    ) async -> Result {
        let owner = runtime.flowOwners[flowID]
        let nodes = WasmNodeRunner(
            runtime: wasm,
            components: runtime.components,
            identity: .init(
                tenant: runtime.tenant,
                flowID: flowID,
                sessionKey: sessionKey,
                provider: "cli",
                packID: owner?.packID ?? "",
                packVersion: owner?.version ?? ""
            ),
            limits: WasmLimits(),
            secrets: .init(),
            snapshot: StateSnapshot(),
            logger: EventLogger(Logger(label: "greentic.runner.flow-run"))
        )
        let run = await runtime.engine.run(flowID: flowID, input: input, resume: resume, nodes: nodes)
        switch run.outcome {
        case .completed(let output):
            return Result(status: "completed", output: output, trace: run.trace)
        case .paused(_, let reason, let output):
            return Result(status: "paused", output: output, trace: run.trace, reason: reason)
        case .failed(let error):
            return Result(status: "failed", output: .null, trace: run.trace, error: error)
        }
    }

    /// Stops the Wasm worker threads.
    public func shutdown() {
        wasm.shutdown()
    }
}
