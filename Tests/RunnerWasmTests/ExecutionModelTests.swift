import RunnerTestSupport
import Synchronization
import Testing

@testable import RunnerWasm

/// Instance pooling, worker threads, queueing and shutdown.
@Suite struct ExecutionModelTests {
    @Test func instancesAreReusedPerKeyAndNeverSharedAcrossKeys() async throws {
        let runtime = makeRuntime(workers: 1)
        defer { runtime.shutdown() }
        let stateful = try component(Components.stateful, on: runtime)
        var seen: [UInt32] = []
        for key in ["a", "a", "b", "a", "b"] {
            seen.append(u32(try await runtime.invoke(stateful, call(key: key)).output))
        }
        #expect(seen == [1, 2, 1, 3, 2])
        // Same bytes compiled again is a different component: its own instances.
        let again = try component(Components.stateful, on: runtime)
        #expect(u32(try await runtime.invoke(again, call(key: "a")).output) == 1)
    }

    @Test func aTrappedInstanceIsDiscarded() async throws {
        let runtime = makeRuntime(workers: 1)
        defer { runtime.shutdown() }
        let stateful = try component(Components.stateful, on: runtime)
        #expect(u32(try await runtime.invoke(stateful, call()).output) == 1)
        #expect(u32(try await runtime.invoke(stateful, call()).output) == 2)
        let error = await wasmError { _ = try await runtime.invoke(stateful, call("X")) }
        #expect(error?.code == .trap)
        #expect(error?.message.contains("unreachable") == true)
        #expect(u32(try await runtime.invoke(stateful, call()).output) == 1)
    }

    @Test func aSpinningGuestDoesNotBlockOtherWorkers() async throws {
        let runtime = makeRuntime(workers: 2)
        let recorder = LogRecorder()
        let spin = try component(Components.spin, on: runtime, name: "spin")
        let echo = try component(Components.echo, on: runtime, name: "echo")
        let spinDone = Mutex(false)
        async let spinning: WasmError? = wasmError {
            defer { spinDone.withLock { $0 = true } }
            _ = try await runtime.invoke(
                spin,
                call(key: "slow", limits: WasmLimits(fuel: .max, timeoutMs: 600_000), logger: recorder.logger)
            )
        }
        #expect(try await recorder.waitFor("spinning"))
        let quick = try await runtime.invoke(echo, call("7", key: "fast"))
        #expect(quick.output == Array(#"{"payload":7}"#.utf8))
        #expect(spinDone.withLock { $0 } == false)
        runtime.shutdown()
        #expect(await spinning?.code == .shutdown)
    }

    @Test func oneKeyCannotOccupyEveryWorker() async throws {
        let runtime = makeRuntime(workers: 2)
        let recorder = LogRecorder()
        let spin = try component(Components.spin, on: runtime, name: "spin")
        let echo = try component(Components.echo, on: runtime, name: "echo")
        let forever = WasmLimits(fuel: .max, timeoutMs: 600_000)
        // Tenant a's first spinner takes one worker; its second waits although a worker is
        // idle, so that worker stays available to other tenants.
        async let first = wasmError { _ = try await runtime.invoke(spin, call(key: "a", limits: forever, logger: recorder.logger)) }
        #expect(try await recorder.waitFor("spinning"))
        async let second = wasmError { _ = try await runtime.invoke(spin, call(key: "a", limits: forever, logger: recorder.logger)) }
        #expect(await waitUntil { runtime.pool.queuedCount == 1 })
        let other = try await runtime.invoke(echo, call("5", key: "b"))
        #expect(other.output == Array(#"{"payload":5}"#.utf8))
        #expect(runtime.pool.queuedCount == 1, "tenant a's second call still waits")
        runtime.shutdown()
        #expect(await first?.code == .shutdown)
        #expect(await second?.code == .shutdown)
    }

    @Test func aFullQueueRejectsWithOverloaded() async throws {
        let runtime = makeRuntime(workers: 1, maxQueued: 1)
        let recorder = LogRecorder()
        let spin = try component(Components.spin, on: runtime)
        let echo = try component(Components.echo, on: runtime)
        let forever = WasmLimits(fuel: .max, timeoutMs: 600_000)
        async let running = wasmError { _ = try await runtime.invoke(spin, call(limits: forever, logger: recorder.logger)) }
        #expect(try await recorder.waitFor("spinning"))
        async let queued = wasmError { _ = try await runtime.invoke(echo, call("1")) }
        #expect(await waitUntil { runtime.pool.queuedCount == 1 })
        let rejected = await wasmError { _ = try await runtime.invoke(echo, call("2")) }
        #expect(rejected?.code == .overloaded)
        runtime.shutdown()
        #expect(await queued?.code == .shutdown)
        #expect(await running?.code == .shutdown)
    }

    @Test func shutdownFailsPendingAndLaterCalls() async throws {
        let runtime = makeRuntime(workers: 1, maxQueued: 8)
        let recorder = LogRecorder()
        let spin = try component(Components.spin, on: runtime)
        let counter = try component(Components.counter, on: runtime)
        let forever = WasmLimits(fuel: .max, timeoutMs: 600_000)
        async let running = wasmError { _ = try await runtime.invoke(spin, call(limits: forever, logger: recorder.logger)) }
        #expect(try await recorder.waitFor("spinning"))
        async let first = wasmError { _ = try await runtime.invoke(counter, call()) }
        async let second = wasmError { _ = try await runtime.invoke(counter, call()) }
        #expect(await waitUntil { runtime.pool.queuedCount == 2 })
        runtime.shutdown()
        runtime.shutdown()  // idempotent
        #expect(await first?.code == .shutdown)
        #expect(await second?.code == .shutdown)
        #expect(await running?.code == .shutdown)
        let late = await wasmError { _ = try await runtime.invoke(counter, call()) }
        #expect(late?.code == .shutdown)
    }

    // MARK: - Tasks on the workers (`WasmRuntime.executor`)

    @Test func aTaskOnTheWorkersMakesItsCallsInPlace() async throws {
        let runtime = makeRuntime(workers: 2)
        defer { runtime.shutdown() }
        let stateful = try component(Components.stateful, on: runtime)
        let seen = try await withTaskExecutorPreference(runtime.executor) {
            var seen: [UInt32] = []
            for key in ["a", "a", "b"] { seen.append(u32(try await runtime.invoke(stateful, call(key: key)).output)) }
            return seen
        }
        #expect(seen == [1, 2, 1])
        #expect(runtime.pool.inlineCalls == 3)
        // From elsewhere, calls still go through the queue.
        #expect(u32(try await runtime.invoke(stateful, call(key: "c")).output) == 1)
        #expect(runtime.pool.inlineCalls == 3)
    }

    @Test func aTaskOnTheWorkersStillRespectsItsKeysCap() async throws {
        // Two workers, so one key may run on one at a time.
        let runtime = makeRuntime(workers: 2)
        let recorder = LogRecorder()
        let spin = try component(Components.spin, on: runtime, name: "spin")
        let echo = try component(Components.echo, on: runtime, name: "echo")
        let forever = WasmLimits(fuel: .max, timeoutMs: 600_000)
        async let spinning = wasmError {
            try await withTaskExecutorPreference(runtime.executor) {
                _ = try await runtime.invoke(spin, call(key: "a", limits: forever, logger: recorder.logger))
            }
        }
        #expect(try await recorder.waitFor("spinning"))
        #expect(runtime.pool.inlineCalls == 1)
        // Key a is at its cap: its next call waits in the queue, although this task runs on
        // the free worker, which stays free for other keys.
        async let waiting = wasmError {
            try await withTaskExecutorPreference(runtime.executor) { _ = try await runtime.invoke(echo, call("1", key: "a")) }
        }
        #expect(await waitUntil { runtime.pool.queuedCount == 1 })
        let other = try await withTaskExecutorPreference(runtime.executor) { try await runtime.invoke(echo, call("5", key: "b")) }
        #expect(other.output == Array(#"{"payload":5}"#.utf8))
        #expect(runtime.pool.queuedCount == 1, "key a's second call still waits")
        runtime.shutdown()
        #expect(await spinning?.code == .shutdown)
        #expect(await waiting?.code == .shutdown)
    }

    @Test(.timeLimit(.minutes(1)))
    func aTaskRunsElsewhereWhileEveryWorkerRunsAGuest() async throws {
        let runtime = makeRuntime(workers: 2)
        let recorder = LogRecorder()
        let spin = try component(Components.spin, on: runtime, name: "spin")
        let forever = WasmLimits(fuel: .max, timeoutMs: 600_000)
        async let a = wasmError { _ = try await runtime.invoke(spin, call(key: "a", limits: forever, logger: recorder.logger)) }
        async let b = wasmError { _ = try await runtime.invoke(spin, call(key: "b", limits: forever, logger: recorder.logger)) }
        #expect(await waitUntil { recorder.recorded.filter { $0.message == "spinning" }.count == 2 })
        // Both workers are taken: a task preferring them still runs its non-guest work.
        let answer = await withTaskExecutorPreference(runtime.executor) { 6 * 7 }
        #expect(answer == 42)
        runtime.shutdown()
        #expect(await a?.code == .shutdown)
        #expect(await b?.code == .shutdown)
    }

    @Test(.timeLimit(.minutes(1)))
    func aWaitingCallIsServedBetweenATasksSteps() async throws {
        let runtime = makeRuntime(workers: 1)
        defer { runtime.shutdown() }
        let echo = try component(Components.echo, on: runtime)
        let answered = Mutex(false)
        // A task on the only worker that keeps yielding (each step queued anew), until the call
        // made from elsewhere was answered or 100,000 steps passed.
        async let steps: Int = withTaskExecutorPreference(runtime.executor) {
            var steps = 0
            while !answered.withLock({ $0 }), steps < 100_000 {
                await Task.yield()
                steps += 1
            }
            return steps
        }
        let reply = try await runtime.invoke(echo, call("3", key: "other"))
        answered.withLock { $0 = true }
        #expect(reply.output == Array(#"{"payload":3}"#.utf8))
        #expect(await steps < 100_000, "the call did not wait for the task to finish")
    }

    @Test func aTaskPreferringAShutDownRuntimeStillRuns() async throws {
        let runtime = makeRuntime(workers: 1)
        let echo = try component(Components.echo, on: runtime)
        runtime.shutdown()
        let error = await wasmError {
            try await withTaskExecutorPreference(runtime.executor) { _ = try await runtime.invoke(echo, call("1")) }
        }
        #expect(error?.code == .shutdown)
    }

    /// Polls `condition` every 5 ms, up to 2,000 times.
    private func waitUntil(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<2_000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }
}
