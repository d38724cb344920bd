import Foundation
import RunnerWasm

/// The cost of one Wasm node call (SPEC §11: at most 20 µs for a 1 KiB payload with a pooled
/// instance): `WasmRuntime.invoke` of the benchmark's `echo` component, one call at a time, so
/// each figure is a full round trip, guest run with fuel and watchdog included. Measured twice:
/// - from a task on the Wasm workers (`WasmRuntime.executor`), as the runner's flow runs make
///   their calls: the call runs in place;
/// - from a task elsewhere: queue, hand-off to a worker thread, result back to the awaiting task.
///
/// Then, with fresh instance keys (each call instantiates the component in a pool of its own
/// key), the cost of a call that instantiates, and the resident memory each pooled instance
/// adds (RSS delta over 256 idle instances).
///
/// Usage: greentic-bench-wasm COMPONENT_WAT [CALLS (default 20000)] [PAYLOAD_BYTES (default 1024, at least 16)]
@main
struct BenchWasm {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard (2...4).contains(arguments.count), let wat = try? String(contentsOfFile: arguments[1], encoding: .utf8) else {
            FileHandle.standardError.write(Data("usage: greentic-bench-wasm COMPONENT_WAT [CALLS] [PAYLOAD_BYTES]\n".utf8))
            exit(2)
        }
        let calls = arguments.count > 2 ? max(100, Int(arguments[2]) ?? 20_000) : 20_000
        let payloadBytes = arguments.count > 3 ? max(16, Int(arguments[3]) ?? 1024) : 1024
        let instances = 256

        let runtime = WasmRuntime(configuration: .init(workerCount: 1, maxIdleInstancesPerWorker: instances + 1))
        defer { runtime.shutdown() }
        let component = try runtime.compile(name: "echo", digest: "bench", bytes: try WATCompiler.compile(wat))
        // A JSON object of exactly `payloadBytes` bytes: {"t":"xxx…"}.
        let frame = #"{"t":""}"#.utf8.count
        let input = Array(#"{"t":"\#(String(repeating: "x", count: payloadBytes - frame))"}"#.utf8)
        let invocation = WasmInvocation(input: input, instanceKey: "bench|echo")

        let inPlace = try await withTaskExecutorPreference(runtime.executor) {
            try await measure(runtime, component, invocation, calls: calls)
        }
        print("wasm node call, \(input.count)-byte input, pooled instance, \(calls) sequential calls: \(inPlace)")
        let handedOff = try await measure(runtime, component, invocation, calls: calls)
        print("wasm node call handed to a worker, \(input.count)-byte input, pooled instance, \(calls) sequential calls: \(handedOff)")

        // Instantiating: each key's first call makes its instance (kept idle in the pool after).
        let rssBefore = residentBytes()
        var cold = try await withTaskExecutorPreference(runtime.executor) {
            try await instantiate(runtime, component, input: input, instances: instances)
        }
        let rssAfter = residentBytes()
        cold.sort()
        let perInstance = max(0, rssAfter - rssBefore) / instances
        print(
            "wasm node call that instantiates, \(input.count)-byte input, \(instances) fresh instances: "
                + "p50 \(micros(cold[instances / 2])) µs, p99 \(micros(cold[instances * 99 / 100])) µs; "
                + "resident memory per pooled instance \(perInstance / 1024) KiB"
        )
    }

    /// `calls` sequential calls after a warm-up, on the task's executor: not the main actor's
    /// (`main` is isolated to it, and every call would hop there and back).
    nonisolated static func measure(
        _ runtime: WasmRuntime,
        _ component: CompiledComponent,
        _ invocation: WasmInvocation,
        calls: Int
    ) async throws -> String {
        for _ in 0..<1_000 { _ = try await runtime.invoke(component, invocation) }  // warm-up, pooled instance
        var samples: [Duration] = []
        samples.reserveCapacity(calls)
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<calls {
            let begin = clock.now
            let result = try await runtime.invoke(component, invocation)
            samples.append(clock.now - begin)
            guard result.output.count == invocation.input.count + 12 else {
                FileHandle.standardError.write(Data("unexpected output of \(result.output.count) bytes\n".utf8))
                exit(1)
            }
        }
        let mean = (clock.now - started) / calls
        samples.sort()
        return "p50 \(micros(samples[calls / 2])) µs, p99 \(micros(samples[calls * 99 / 100])) µs, mean \(micros(mean)) µs"
    }

    /// One call on each of `instances` fresh keys, in place; the duration of each.
    nonisolated static func instantiate(
        _ runtime: WasmRuntime,
        _ component: CompiledComponent,
        input: [UInt8],
        instances: Int
    ) async throws -> [Duration] {
        let clock = ContinuousClock()
        var cold: [Duration] = []
        for index in 0..<instances {
            let begin = clock.now
            _ = try await runtime.invoke(component, WasmInvocation(input: input, instanceKey: "bench|echo|\(index)"))
            cold.append(clock.now - begin)
        }
        return cold
    }

    static func micros(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) * 1e6 + Double(attoseconds) / 1e12)
    }

    /// The process's resident set size (Linux), 0 when unknown.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib * 1024
    }
}
