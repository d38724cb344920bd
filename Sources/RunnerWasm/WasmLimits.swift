/// Per-invocation resource limits for a guest call.
///
/// Every limit applies to one ``WasmRuntime/invoke(_:_:)`` call: the fuel budget and the
/// wall-clock deadline cover the whole call sequence (instantiation of a fresh instance including
/// its start function, the `cabi_realloc` calls that copy input and state in, `run`, and the
/// optional post-return function).
public struct WasmLimits: Sendable, Hashable {
    /// Fuel budget: roughly one unit per executed Wasm operator (plus one per 64 bytes moved by
    /// bulk memory operations). Running out fails the call with ``WasmError/Code/outOfFuel``.
    public var fuel: UInt64
    /// Wall-clock budget in milliseconds. Values below 1 are treated as 1. Exceeding it fails the
    /// call with ``WasmError/Code/timeout``.
    public var timeoutMs: Int
    /// Cap on the guest's linear memory in bytes. An initial memory above the cap fails with
    /// ``WasmError/Code/memoryLimit``; `memory.grow` beyond it returns −1 to the guest.
    public var maxMemoryBytes: Int
    /// Cap on each of the returned byte ranges (output and new state). Larger ranges fail with
    /// ``WasmError/Code/outputTooLarge``.
    public var maxOutputBytes: Int

    /// The default fuel budget: 50 million units.
    public static let defaultFuel: UInt64 = 50_000_000
    /// The default wall-clock budget: 5 seconds.
    public static let defaultTimeoutMs = 5_000
    /// The default linear memory cap: 64 MiB.
    public static let defaultMaxMemoryBytes = 64 << 20
    /// The default cap per returned byte range: 1 MiB.
    public static let defaultMaxOutputBytes = 1 << 20

    /// Creates limits; every parameter defaults to the documented default.
    public init(
        fuel: UInt64 = WasmLimits.defaultFuel,
        timeoutMs: Int = WasmLimits.defaultTimeoutMs,
        maxMemoryBytes: Int = WasmLimits.defaultMaxMemoryBytes,
        maxOutputBytes: Int = WasmLimits.defaultMaxOutputBytes
    ) {
        self.fuel = fuel
        self.timeoutMs = timeoutMs
        self.maxMemoryBytes = maxMemoryBytes
        self.maxOutputBytes = maxOutputBytes
    }
}
