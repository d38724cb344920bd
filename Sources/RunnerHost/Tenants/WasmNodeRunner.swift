internal import Foundation
internal import Logging
internal import RunnerCore
internal import RunnerFlow
internal import RunnerWasm
internal import Synchronization

/// Runs a flow's component nodes on the Wasm runtime for one run, bound to the run's tenant,
/// pack and session.
///
/// Component state is read from the snapshot loaded before the run and every write is
/// buffered here; the dispatcher commits the writes with the run's outcome, atomically, so a
/// failed or conflicting run leaves nothing behind. Later calls in the same run see earlier
/// writes.
final class WasmNodeRunner: NodeRunner {
    struct Identity: Sendable {
        var tenant: String
        var flowID: String
        var sessionKey: String
        var provider: String
        var packID: String
        var packVersion: String
    }

    private struct Overlay {
        var components: [String: [UInt8]]
        var keyValues: [String: [UInt8]]
        var writes: [StateKey: [UInt8]?] = [:]
    }

    private let runtime: WasmRuntime
    private let components: [String: CompiledComponent]
    private let identity: Identity
    private let limits: WasmLimits
    private let secrets: TenantSecrets.ComponentSecrets
    private let logger: EventLogger
    private let overlay: Mutex<Overlay>

    init(
        runtime: WasmRuntime,
        components: [String: CompiledComponent],
        identity: Identity,
        limits: WasmLimits,
        secrets: TenantSecrets.ComponentSecrets,
        snapshot: StateSnapshot,
        logger: EventLogger
    ) {
        self.runtime = runtime
        self.components = components
        self.identity = identity
        self.limits = limits
        self.secrets = secrets
        self.logger = logger
        self.overlay = Mutex(Overlay(components: snapshot.components, keyValues: snapshot.keyValues))
    }

    var scope: StateScope { StateScope(tenant: identity.tenant, pack: identity.packID, session: identity.sessionKey) }

    /// The state writes of every successful call so far.
    var stateWrites: [StateWrite] {
        overlay.withLock { overlay in
            overlay.writes.map { StateWrite(key: $0.key, value: $0.value) }.sorted {
                ($0.key.kind.rawValue, $0.key.name) < ($1.key.kind.rawValue, $1.key.name)
            }
        }
    }

    func runComponent(_ call: ComponentCall) async throws(NodeError) -> ComponentResult {
        guard let component = components[call.component] else {
            throw NodeError(code: "component_not_found", message: "the pack has no component '\(call.component)'")
        }
        let stateName = component.name
        let (state, keyValues) = overlay.withLock { ($0.components[stateName] ?? [], $0.keyValues) }
        let input: JSONValue = .object([
            "input": call.input,
            "config": call.config,
            "ctx": .object([
                "tenant": .string(identity.tenant), "flow_id": .string(call.flowID), "node_id": .string(call.nodeID),
                "session_key": .string(identity.sessionKey), "provider": .string(identity.provider),
                "pack_id": .string(identity.packID), "pack_version": .string(identity.packVersion),
            ]),
        ])
        var guestMetadata = logger.metadata
        guestMetadata["gt.node"] = .string(call.nodeID)
        guestMetadata["gt.component"] = .string(call.component)
        let invocation = WasmInvocation(
            input: input.serializedBytes(),
            state: state,
            keyValues: keyValues,
            secrets: secrets.values,
            unavailableSecrets: secrets.unavailable,
            limits: limits,
            instanceKey: "\(identity.tenant)|\(identity.packID)",
            logger: logger.base,
            logMetadata: guestMetadata,
            deadline: call.deadline
        )
        let result: WasmInvocationResult
        do {
            result = try await runtime.invoke(component, invocation)
        } catch {
            throw NodeError(code: Self.code(for: error.code), message: error.message, transient: error.code == .overloaded)
        }
        let output = try Self.decodeOutput(result.output, component: call.component)
        overlay.withLock { overlay in
            // Unchanged state is not written: a stateless component costs no store write.
            if result.newState != state {
                overlay.components[stateName] = result.newState
                overlay.writes[StateKey(scope: scope, kind: .component, name: stateName)] = result.newState
            }
            for (key, value) in result.keyValueWrites {
                overlay.keyValues[key] = value
                overlay.writes[StateKey(scope: scope, kind: .keyValue, name: key)] = value
            }
        }
        return output
    }

    /// Stable node error codes for Wasm failures.
    static func code(for code: WasmError.Code) -> String {
        switch code {
        case .outOfFuel: "out_of_fuel"
        case .timeout: "timeout"
        case .memoryLimit: "memory_limit"
        case .outputTooLarge: "output_too_large"
        case .badResult: "bad_result"
        case .overloaded: "overloaded"
        case .shutdown: "shutdown"
        case .trap: "trap"
        default: "component_error"
        }
    }

    /// Decodes the ABI's output JSON (SPEC §5).
    static func decodeOutput(_ bytes: [UInt8], component: String) throws(NodeError) -> ComponentResult {
        let output: JSONValue
        do {
            output = try JSONValue(parsing: bytes)
        } catch {
            throw NodeError(code: "bad_output", message: "component '\(component)' returned invalid JSON: \(error)")
        }
        guard let members = output.objectValue else {
            throw NodeError(code: "bad_output", message: "component '\(component)' must return a JSON object")
        }
        if let error = members["error"], !error.isNull {
            throw NodeError(
                code: error["code"]?.stringValue ?? "component_error",
                message: error["message"]?.stringValue ?? "component reported an error",
                transient: error["transient"]?.boolValue ?? false
            )
        }
        var wait: ComponentResult.Wait?
        if let rawWait = members["wait"], !rawWait.isNull {
            wait = .init(reason: rawWait["reason"]?.stringValue ?? rawWait.stringValue)
        }
        return ComponentResult(
            payload: members["payload"] ?? .null,
            route: members["route"]?.stringValue,
            wait: wait,
            egress: members["egress"]?.arrayValue ?? []
        )
    }
}
