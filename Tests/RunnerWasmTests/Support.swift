import Foundation
import Logging
import RunnerTestSupport
import RunnerWasm
import Synchronization
import Testing
import WAT

/// Compiles WAT text into a component on `runtime`.
func component(_ wat: String, on runtime: WasmRuntime, name: String = "test") throws -> CompiledComponent {
    try runtime.compile(name: name, digest: "digest-\(name)", bytes: wat2wasm(wat))
}

/// An invocation with test defaults.
func call(
    _ input: String = "",
    state: [UInt8] = [],
    key: String = "tenant-a",
    limits: WasmLimits = WasmLimits(),
    keyValues: [String: [UInt8]] = [:],
    secrets: [String: String] = [:],
    logger: Logger = Logger(label: "test.guest", factory: { _ in SwiftLogNoOpLogHandler() })
) -> WasmInvocation {
    WasmInvocation(
        input: Array(input.utf8),
        state: state,
        keyValues: keyValues,
        secrets: secrets,
        limits: limits,
        instanceKey: key,
        logger: logger
    )
}

/// Runs `body` and returns the `WasmError` it threw, recording an issue if it did not throw one.
func wasmError(
    _ body: () async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async -> WasmError? {
    do {
        try await body()
        Issue.record("expected a WasmError, but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as WasmError {
        return error
    } catch {
        Issue.record("expected a WasmError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The little-endian `u32` at `offset`.
func u32(_ bytes: [UInt8], at offset: Int = 0) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
}

/// The little-endian `i32` at `offset`.
func i32(_ bytes: [UInt8], at offset: Int = 0) -> Int32 {
    Int32(bitPattern: u32(bytes, at: offset))
}

/// A small runtime for one test (shut down by the test).
func makeRuntime(workers: Int = 1, maxQueued: Int = 64, nowMs: Int64 = 1_234_567_890_123) -> WasmRuntime {
    WasmRuntime(
        configuration: .init(
            workerCount: workers,
            maxQueuedInvocations: maxQueued,
            nowMs: { nowMs },
            randomFill: { buffer in
                for index in buffer.indices { buffer[index] = 0xAB }
            }
        )
    )
}
