/// The outcome of a successful guest call.
public struct WasmInvocationResult: Sendable {
    /// The `output` list returned by `run`.
    public var output: [UInt8]
    /// The `new-state` list returned by `run`; replaces the state durably.
    public var newState: [UInt8]
    /// The final value per key written through `state-set` / `state-delete` during the call
    /// (`nil` = deleted). Keys that were only read are absent.
    public var keyValueWrites: [String: [UInt8]?]
    /// Payloads passed to `telemetry-event`, in call order (capped, see ``HostImportCaps``).
    public var telemetryEvents: [[UInt8]]
    /// Fuel consumed by the whole call sequence (for a fresh instance this includes its start
    /// function; `cabi_realloc` and post-return calls are included too).
    public var fuelConsumed: UInt64

    /// Creates a result.
    public init(
        output: [UInt8],
        newState: [UInt8],
        keyValueWrites: [String: [UInt8]?] = [:],
        telemetryEvents: [[UInt8]] = [],
        fuelConsumed: UInt64 = 0
    ) {
        self.output = output
        self.newState = newState
        self.keyValueWrites = keyValueWrites
        self.telemetryEvents = telemetryEvents
        self.fuelConsumed = fuelConsumed
    }
}
