import Logging
import RunnerTestSupport
import RunnerWasm
import Testing

/// The `greentic:host-import@0.6.0` functions and their bounds checks.
@Suite struct HostImportTests {
    @Test func stateGetSetDeleteProtocol() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let kv = try component(Components.kv, on: runtime)
        let result = try await runtime.invoke(kv, call(keyValues: ["pre": Array("abc".utf8)]))
        let out = result.output
        let codes = (0..<11).map { i32(out, at: $0 * 4) }
        // set, get(cap 2) → n=5, get(cap 16) → 5, missing → -1, preloaded → 3, delete → 0,
        // delete again → -1, get deleted → -1, 300-byte key → -2, set k2 → 0, delete preloaded → 0
        #expect(codes == [0, 5, 5, -1, 3, 0, -1, -1, -2, 0, 0])
        #expect(Array(out[88..<93]) == Array("hello".utf8))
        #expect(out[93] == 0)
        #expect(Array(out[188..<191]) == Array("abc".utf8))
        #expect(result.keyValueWrites.count == 3)
        #expect(result.keyValueWrites["k2"] == .some(Array("v2".utf8)))
        #expect(result.keyValueWrites["pre"] == .some(nil))
        #expect(result.keyValueWrites["k"] == .some(nil))
    }

    /// "n > out_cap means call again with n bytes": n is returned and nothing is written.
    @Test func stateGetWritesNothingWhenTheBufferIsTooSmall() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let kv = try component(Components.kv, on: runtime)
        let result = try await runtime.invoke(kv, call(keyValues: ["pre": Array("abcdefghijklmnopqrstuvwxyz".utf8)]))
        // "pre" (26 bytes) > cap 16: n is reported and the buffer at 700 stays zero.
        #expect(i32(result.output, at: 16) == 26)
        #expect(result.output[188..<204].allSatisfy { $0 == 0 })
    }

    @Test func stateSetLimits() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let limits = try component(Components.kvLimits, on: runtime)
        let result = try await runtime.invoke(limits, call())
        let codes = (0..<4).map { i32(result.output, at: $0 * 4) }
        // 64 KiB ok, 64 KiB + 1 refused, 999 of 1,000 new keys fit beside "big", the last is refused.
        #expect(codes == [0, -2, 999, -2])
        #expect(result.keyValueWrites.count == 1_000)
    }

    @Test func clockRandomHttpSecretsAndTelemetry() async throws {
        let runtime = makeRuntime(nowMs: 1_700_000_000_123)
        defer { runtime.shutdown() }
        let misc = try component(Components.hostMisc, on: runtime)
        let result = try await runtime.invoke(misc, call(secrets: ["api": "s3cret"]))
        let out = result.output
        #expect(UInt64(u32(out)) | UInt64(u32(out, at: 4)) << 32 == 1_700_000_000_123)
        #expect(Array(out[8..<16]) == Array(repeating: 0xAB, count: 8))
        #expect(i32(out, at: 16) == -2)
        #expect(i32(out, at: 20) == 6)
        #expect(Array(out[88..<94]) == Array("s3cret".utf8))
        #expect(i32(out, at: 24) == -1)
        #expect(result.telemetryEvents == [Array("e1".utf8), Array("e2".utf8)])
    }

    @Test func guestLogsAreCappedAndCarryMetadata() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let recorder = LogRecorder()
        let logger = try component(Components.logger, on: runtime, name: "chatty")
        _ = try await runtime.invoke(logger, call(key: "tenant-x", logger: recorder.logger))
        let lines = recorder.recorded
        #expect(lines.count == 100)
        #expect(lines.prefix(5).map(\.level) == [.trace, .debug, .info, .warning, .error])
        #expect(lines.prefix(5).map(\.message) == (0..<5).map { "level-\($0)" })
        #expect(lines[5].message == String(repeating: "x", count: 4_096))
        #expect(lines.dropFirst(6).allSatisfy { $0.message == "spam" })
        #expect(lines.first?.metadata["wasm.component"] == "chatty")
        #expect(lines.first?.metadata["wasm.instance_key"] == "tenant-x")
    }

    @Test(arguments: ["0", "1", "2", "3", "4", "5", "6", "7", "8"])
    func badPointersInImportsTrapWithoutCrashing(selector: String) async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let hostile = try component(Components.hostileImports, on: runtime)
        let error = await wasmError { _ = try await runtime.invoke(hostile, call(selector)) }
        #expect(error?.code == .trap)
        #expect(error?.message.contains("host import") == true)
        let echo = try component(Components.echo, on: runtime)
        #expect(try await runtime.invoke(echo, call("2")).output == Array(#"{"payload":2}"#.utf8))
    }
}
