import RunnerWasm
import Testing

/// Fuel, wall clock and memory limits.
@Suite struct LimitTests {
    @Test func infiniteLoopRunsOutOfFuel() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let spin = try component(Components.spin, on: runtime)
        let error = await wasmError {
            _ = try await runtime.invoke(spin, call(limits: WasmLimits(fuel: 100_000, timeoutMs: 600_000)))
        }
        #expect(error?.code == .outOfFuel)
    }

    /// With effectively unlimited fuel only the watchdog can stop the loop, and the failure must
    /// be reported as a timeout, not as out-of-fuel (the watchdog works by zeroing the fuel).
    @Test func infiniteLoopWithHugeFuelTimesOut() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let spin = try component(Components.spin, on: runtime)
        let error = await wasmError {
            _ = try await runtime.invoke(spin, call(limits: WasmLimits(fuel: .max, timeoutMs: 150)))
        }
        #expect(error?.code == .timeout)
        // The worker is free again afterwards.
        let counter = try component(Components.counter, on: runtime)
        #expect(u32(try await runtime.invoke(counter, call()).output) == 1)
    }

    /// The event's deadline cuts a call off before the component's own, longer limit, and a call
    /// that reaches a worker after the deadline does not run at all.
    @Test func theEventsDeadlineCutsACallShort() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let spin = try component(Components.spin, on: runtime)
        var cut = call(limits: WasmLimits(fuel: .max, timeoutMs: 600_000))
        cut.deadline = .now.advanced(by: .milliseconds(100))
        let error = await wasmError { _ = try await runtime.invoke(spin, cut) }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("the event's deadline") == true, "\(String(describing: error))")

        let counter = try component(Components.counter, on: runtime)
        var late = call(limits: WasmLimits(fuel: .max, timeoutMs: 600_000))
        late.deadline = .now.advanced(by: .milliseconds(-1))
        let refused = await wasmError { _ = try await runtime.invoke(counter, late) }
        #expect(refused?.code == .timeout)
        #expect(refused?.message.contains("passed before the call started") == true)
        #expect(u32(try await runtime.invoke(counter, call()).output) == 1, "the worker is free afterwards")
    }

    /// WasmKit charges fuel with a non-atomic read-modify-write, so one zeroing write can be lost;
    /// the watchdog must keep interrupting until the call ends. Many short deadlines in a row make
    /// a lost interrupt (which would hang this test) likely if that were broken.
    @Test(.timeLimit(.minutes(1))) func everyTimeoutFiresEvenUnderTheFuelRace() async throws {
        let runtime = makeRuntime(workers: 2)
        defer { runtime.shutdown() }
        let spin = try component(Components.spin, on: runtime)
        for round in 0..<30 {
            let error = await wasmError {
                _ = try await runtime.invoke(spin, call(key: "k\(round % 3)", limits: WasmLimits(fuel: .max, timeoutMs: 5)))
            }
            #expect(error?.code == .timeout)
        }
    }

    @Test func startFunctionRunsUnderTheCallsLimits() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let startSpin = try component(Components.startSpin, on: runtime)  // must not hang
        let fuel = await wasmError {
            _ = try await runtime.invoke(startSpin, call(limits: WasmLimits(fuel: 100_000, timeoutMs: 600_000)))
        }
        #expect(fuel?.code == .outOfFuel)
        let clock = await wasmError {
            _ = try await runtime.invoke(startSpin, call(limits: WasmLimits(fuel: .max, timeoutMs: 100)))
        }
        #expect(clock?.code == .timeout)
    }

    @Test func tinyFuelBudgetFailsEvenAShortCall() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let counter = try component(Components.counter, on: runtime)
        let error = await wasmError { _ = try await runtime.invoke(counter, call(limits: WasmLimits(fuel: 3))) }
        #expect(error?.code == .outOfFuel)
        let ok = try await runtime.invoke(counter, call(limits: WasmLimits(fuel: 10_000)))
        #expect(ok.fuelConsumed > 3)
        #expect(ok.fuelConsumed <= 10_000)
    }

    /// 4 MiB = 64 pages; the module starts with 2, so 62 grows succeed and then grow returns −1.
    @Test func memoryGrowthIsCappedByMaxMemoryBytes() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let hog = try component(Components.memoryHog, on: runtime)
        let result = try await runtime.invoke(hog, call(limits: WasmLimits(maxMemoryBytes: 4 << 20)))
        #expect(u32(result.output) == 62)
        let again = try await runtime.invoke(hog, call(limits: WasmLimits(maxMemoryBytes: 4 << 20)))
        #expect(u32(again.output) == 0)
        let smaller = try await runtime.invoke(hog, call(limits: WasmLimits(maxMemoryBytes: 1 << 20)))
        #expect(u32(smaller.output) == 14)
    }

    @Test func initialMemoryAboveTheCapFailsWithMemoryLimit() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let big = try component(Components.bigMemory, on: runtime)
        let error = await wasmError {
            _ = try await runtime.invoke(big, call(limits: WasmLimits(maxMemoryBytes: 4 << 20)))
        }
        #expect(error?.code == .memoryLimit)
        let fits = try await runtime.invoke(big, call(limits: WasmLimits(maxMemoryBytes: 16 << 20)))
        #expect(fits.output.isEmpty)
    }
}
