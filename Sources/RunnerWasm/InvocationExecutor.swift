internal import WasmKit

/// Runs jobs on one worker thread: picks or creates an instance, runs the ABI call sequence
/// under fuel, deadline and memory limits, and classifies failures.
///
/// Thread-confined (it owns the worker's ``InstancePool``).
final class InvocationExecutor {
    private let engine: Engine
    private let watchdog: Watchdog
    private let configuration: WasmRuntime.Configuration
    private let pool: InstancePool

    init(engine: Engine, watchdog: Watchdog, configuration: WasmRuntime.Configuration) {
        self.engine = engine
        self.watchdog = watchdog
        self.configuration = configuration
        self.pool = InstancePool(capacity: configuration.maxIdleInstancesPerWorker)
    }

    /// Which step failed, for error classification.
    private enum Phase { case instantiate, call }

    /// Executes one job. The instance goes back to the pool only if the call fully succeeded.
    func execute(_ component: CompiledComponent, _ invocation: WasmInvocation) -> Result<WasmInvocationResult, WasmError> {
        var limits = invocation.limits
        // The event's deadline caps the call's own limit; time queued for this worker counted.
        var cutByDeadline = false
        if let deadline = invocation.deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            let leftMs = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            guard leftMs > 0 else {
                return .failure(WasmError(.timeout, "\(component.name): the event's deadline passed before the call started"))
            }
            if leftMs < Int64(limits.timeoutMs) {
                limits.timeoutMs = Int(leftMs)
                cutByDeadline = true
            }
        }
        let key = PoolKey(instanceKey: invocation.instanceKey, component: component.identity)

        var slot = pool.take(key)
        if let reused = slot, let live = reused.live, live.memory.byteCount > limits.maxMemoryBytes {
            slot = nil  // grown past this call's (smaller) cap: start afresh
        }
        let instance = slot ?? InstanceSlot(engine: engine, configuration: configuration, memoryCapBytes: limits.maxMemoryBytes)
        instance.limiter.setCap(limits.maxMemoryBytes)
        instance.context.begin(invocation, componentName: component.name)

        // The budget is set once, before the watch starts, and covers instantiation (start
        // function) plus the whole call sequence: the owner never writes the fuel while watched.
        instance.store.fuel = Fuel(remaining: limits.fuel)
        let token = watchdog.begin(
            deadline: Watchdog.deadline(afterMilliseconds: limits.timeoutMs),
            interrupter: instance.interrupter
        )
        var phase = Phase.instantiate
        let outcome: Result<(output: [UInt8], state: [UInt8]), any Error>
        do {
            let live = try instance.live ?? instance.instantiate(component)
            phase = .call
            outcome = .success(try Self.runSequence(instance, live, invocation))
        } catch {
            outcome = .failure(error)
        }
        let interruption = watchdog.end(token)
        let remaining = instance.store.fuel?.remaining ?? 0
        let produced = instance.context.finish()

        switch (outcome, interruption) {
        case (.success(let result), nil):
            pool.put(instance, for: key)
            return .success(
                WasmInvocationResult(
                    output: result.output,
                    newState: result.state,
                    keyValueWrites: produced.writes,
                    telemetryEvents: produced.telemetry,
                    fuelConsumed: limits.fuel - min(remaining, limits.fuel)
                )
            )
        case (.success, .some(let reason)), (.failure, .some(let reason)):
            // Interrupted: the instance is dropped. A call that finished just as its deadline
            // passed still counts as over time (it did exceed the limit).
            return .failure(Self.error(for: reason, component: component, limits: limits, cutByDeadline: cutByDeadline))
        case (.failure(let error), nil):
            return .failure(
                Self.classify(error, phase: phase, limiter: instance.limiter, component: component, limits: limits)
            )
        }
    }

    // MARK: - The ABI call sequence

    private static func runSequence(
        _ slot: InstanceSlot,
        _ live: LiveInstance,
        _ invocation: WasmInvocation
    ) throws -> (output: [UInt8], state: [UInt8]) {
        let maxOutput = invocation.limits.maxOutputBytes
        let inputPointer = try lower(invocation.input, slot, live, what: "input")
        let statePointer = try lower(invocation.state, slot, live, what: "state")
        let results = try slot.call(
            live.run,
            [.i32(inputPointer), .i32(UInt32(invocation.input.count)), .i32(statePointer), .i32(UInt32(invocation.state.count))]
        )
        guard results.count == 1, case .i32(let returnPointer) = results[0] else {
            throw WasmError(.badResult, "run returned \(results) instead of one i32 pointer")
        }
        let record: [UInt8]
        do {
            record = try live.memory.read(offset: Int(returnPointer), count: 16)
        } catch {
            throw WasmError(.badResult, "run's result record at 0x\(String(returnPointer, radix: 16)): \(error)")
        }
        let fields = (0..<4).map { index in
            (0..<4).reduce(0) { $0 | Int(record[index * 4 + $1]) << (8 * $1) }
        }
        let output = try lift(live.memory, offset: fields[0], count: fields[1], max: maxOutput, what: "output")
        let state = try lift(live.memory, offset: fields[2], count: fields[3], max: maxOutput, what: "new-state")
        if let postReturn = live.postReturn {
            _ = try slot.call(postReturn, [.i32(returnPointer)])
        }
        return (output, state)
    }

    /// Copies `bytes` into guest memory allocated with `cabi_realloc(0, 0, 1, len)`. Empty lists
    /// are passed as `(0, 0)` without calling the allocator.
    private static func lower(_ bytes: [UInt8], _ slot: InstanceSlot, _ live: LiveInstance, what: String) throws -> UInt32 {
        guard !bytes.isEmpty else { return 0 }
        guard let length = UInt32(exactly: bytes.count), length <= UInt32(Int32.max) else {
            throw WasmError(.trap, "\(what) of \(bytes.count) bytes does not fit a wasm32 guest")
        }
        let results = try slot.call(live.realloc, [.i32(0), .i32(0), .i32(1), .i32(length)])
        guard results.count == 1, case .i32(let pointer) = results[0] else {
            throw WasmError(.badResult, "cabi_realloc returned \(results) instead of one i32 pointer")
        }
        do {
            try live.memory.write(bytes, at: Int(pointer))
        } catch {
            throw WasmError(.badResult, "cabi_realloc returned an unusable \(what) buffer: \(error)")
        }
        return pointer
    }

    /// Copies a returned range out: bounds first (`.badResult`), then size (`.outputTooLarge`).
    private static func lift(_ memory: GuestMemory, offset: Int, count: Int, max: Int, what: String) throws -> [UInt8] {
        do {
            try memory.check(offset: offset, count: count)
        } catch {
            throw WasmError(.badResult, "returned \(what) \(error)")
        }
        guard count <= max else {
            throw WasmError(.outputTooLarge, "returned \(what) is \(count) bytes, the limit is \(max)")
        }
        return try memory.read(offset: offset, count: count)
    }

    // MARK: - Error classification

    private static func error(
        for reason: InterruptReason,
        component: CompiledComponent,
        limits: WasmLimits,
        cutByDeadline: Bool
    ) -> WasmError {
        switch reason {
        case .timeout where cutByDeadline:
            WasmError(.timeout, "\(component.name): ran into the event's deadline (\(limits.timeoutMs) ms were left of the flow's time)")
        case .timeout:
            WasmError(.timeout, "\(component.name): exceeded the wall-clock limit of \(limits.timeoutMs) ms")
        case .shutdown:
            WasmError(.shutdown, "\(component.name): interrupted because the wasm runtime was shut down")
        }
    }

    /// Maps an error thrown by instantiation or the call sequence (no watchdog interruption).
    ///
    /// WasmKit's `Trap` exposes only `description` (its `reason` is `package` access), so
    /// out-of-fuel is recognised by the text "out of fuel" in the description, which is
    /// `TrapReason.outOfFuel`'s description in WasmKit 0.4.2 (and asserted by WasmKit's own
    /// FuelTests). A memory-limit failure at instantiation is recognised by the limiter having
    /// denied an allocation, not by text.
    private static func classify(
        _ error: any Error,
        phase: Phase,
        limiter: MemoryLimiter,
        component: CompiledComponent,
        limits: WasmLimits
    ) -> WasmError {
        let name = component.name
        if let error = error as? WasmError {
            return WasmError(error.code, "\(name): \(error.message)")
        }
        if let hostTrap = error as? HostImportTrap {
            return WasmError(.trap, "\(name): \(hostTrap.message)")
        }
        if phase == .instantiate, limiter.denials > 0 {
            return WasmError(.memoryLimit, "\(name): initial memory exceeds the limit of \(limits.maxMemoryBytes) bytes")
        }
        let text = String(describing: error)
        if text.contains("out of fuel") {
            return WasmError(.outOfFuel, "\(name): exhausted the fuel budget of \(limits.fuel)")
        }
        let firstLine = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        let prefix = phase == .instantiate ? "instantiation failed: " : ""
        return WasmError(.trap, "\(name): \(prefix)\(firstLine.prefix(1_000))")
    }
}
