public import Logging

/// Everything one guest call needs: the two byte lists of the ABI, the host-side data the host
/// imports expose, the limits and the pooling key.
public struct WasmInvocation: Sendable {
    /// The `input` list (UTF-8 JSON per the spec, but treated as opaque bytes here).
    public var input: [UInt8]
    /// The component's state bytes (empty on the first call).
    public var state: [UInt8]
    /// Preloaded scoped key/value state visible to `state-get`; writes are reported in
    /// ``WasmInvocationResult/keyValueWrites`` and never mutate this dictionary.
    public var keyValues: [String: [UInt8]]
    /// Allow-listed secrets for `secret-get`; any name not in here reads as missing (−1).
    public var secrets: [String: String]
    /// Allow-listed secrets whose backend could not answer, with why: `secret-get` of one traps,
    /// so the node fails with the reason instead of the guest taking it for missing.
    public var unavailableSecrets: [String: String]
    /// Limits for this call.
    public var limits: WasmLimits
    /// Pool key, e.g. `"tenant|componentDigest"`. Instances are reused across calls with the same
    /// key and the same ``CompiledComponent``, and never shared across different keys.
    public var instanceKey: String
    /// Where guest `log` lines go (with `wasm.component` and `wasm.instance_key` metadata).
    public var logger: Logger
    /// Metadata added to each guest `log` line when it is emitted (cheaper than setting it on
    /// ``logger``, which some handlers re-render on every change).
    public var logMetadata: Logger.Metadata
    /// The deadline of the event this call serves (its flow's `FLOW_TIMEOUT` from arrival): the
    /// call fails with ``WasmError/Code/timeout`` once it passes, whatever ``limits`` allow, and
    /// time spent queued for a worker counts (a call that starts past it does not run).
    public var deadline: ContinuousClock.Instant?

    /// Creates an invocation.
    public init(
        input: [UInt8],
        state: [UInt8] = [],
        keyValues: [String: [UInt8]] = [:],
        secrets: [String: String] = [:],
        unavailableSecrets: [String: String] = [:],
        limits: WasmLimits = WasmLimits(),
        instanceKey: String,
        logger: Logger = Logger(label: "greentic.wasm.guest"),
        logMetadata: Logger.Metadata = [:],
        deadline: ContinuousClock.Instant? = nil
    ) {
        self.deadline = deadline
        self.input = input
        self.state = state
        self.keyValues = keyValues
        self.secrets = secrets
        self.unavailableSecrets = unavailableSecrets
        self.limits = limits
        self.instanceKey = instanceKey
        self.logger = logger
        self.logMetadata = logMetadata
    }
}
