internal import Dispatch
internal import Foundation
internal import Synchronization

/// One queued guest call and the continuation of the `invoke` that waits for it.
struct InvocationJob: Sendable {
    /// The component to run.
    let component: CompiledComponent
    /// The call's inputs and limits.
    let invocation: WasmInvocation
    /// Resumed exactly once: by a worker, or with an error by ``WorkerPool/submit(_:)`` /
    /// ``WorkerPool/shutdown()``.
    let continuation: CheckedContinuation<Result<WasmInvocationResult, WasmError>, Never>
}

/// A fixed set of dedicated OS threads fed by a bounded, lock-protected queue that is fair
/// across instance keys (tenant and pack).
///
/// Guest code runs only on these threads, never on a Swift-concurrency cooperative thread or an
/// event loop: WasmKit's `invoke` blocks, and `Store`/`Instance` are thread-confined. Each thread
/// builds its own executor (and so its own instance pool) with the `makeExecutor` factory.
///
/// Fairness: waiting jobs are kept per key and served round-robin, and one key may occupy at
/// most `maxRunningPerKey` workers at once (by default all but one), so a tenant whose guests
/// spin until their timeout never stops another tenant's calls from running.
final class WorkerPool: Sendable {
    /// Runs one job on the calling worker thread and returns its outcome.
    typealias Executor = (InvocationJob) -> Result<WasmInvocationResult, WasmError>

    private struct State {
        /// Waiting jobs per key, each FIFO.
        var queues: [String: [InvocationJob]] = [:]
        /// Keys with waiting jobs, in round-robin order.
        var order: [String] = []
        /// Jobs running per key.
        var running: [String: Int] = [:]
        var queuedCount = 0
        var isShutdown = false

        /// Where in ``order`` the first key below its running cap is.
        func firstEligible(cap: Int) -> Int? {
            order.firstIndex { running[$0, default: 0] < cap }
        }
    }

    private let state = Mutex(State())
    /// Guards nothing but the sleeping of idle workers; `state` holds the data.
    private let wakeUp = NSCondition()
    private let threadCount: Int
    private let maxQueued: Int
    private let maxRunningPerKey: Int

    /// Worker thread stack size: generous, since host functions run on the interpreter's native
    /// stack (the Wasm operand/call stack itself is WasmKit's separate `ExecutionStack`).
    private static let threadStackSize = 4 << 20

    /// Starts `threadCount` worker threads (at least 1).
    init(threadCount: Int, maxQueued: Int, maxRunningPerKey: Int? = nil, makeExecutor: @escaping @Sendable () -> Executor) {
        self.threadCount = max(1, threadCount)
        self.maxQueued = max(1, maxQueued)
        self.maxRunningPerKey = max(1, maxRunningPerKey ?? (self.threadCount - 1))
        for index in 0..<self.threadCount {
            let thread = Thread { [self] in
                // Set from inside: on Linux a thread can only name itself.
                Thread.current.name = "wasm-worker-\(index)"
                let execute = makeExecutor()
                while let job = self.next() {
                    let result = execute(job)
                    self.finished(job.invocation.instanceKey)
                    job.continuation.resume(returning: result)
                }
            }
            thread.stackSize = Self.threadStackSize
            thread.start()
        }
    }

    /// Enqueues a job, or resumes it at once with `.overloaded` (queue full) or `.shutdown`.
    func submit(_ job: InvocationJob) {
        let key = job.invocation.instanceKey
        let rejection: WasmError? = state.withLock { state in
            if state.isShutdown { return WasmError(.shutdown, "the wasm runtime is shut down") }
            guard state.queuedCount < maxQueued else {
                return WasmError(.overloaded, "the wasm invocation queue is full (\(maxQueued) waiting)")
            }
            if state.queues[key, default: []].isEmpty { state.order.append(key) }
            state.queues[key, default: []].append(job)
            state.queuedCount += 1
            return nil
        }
        if let rejection {
            job.continuation.resume(returning: .failure(rejection))
        } else {
            signal(all: false)
        }
    }

    /// Stops accepting jobs, fails every queued job with `.shutdown` and lets the workers exit
    /// after their current job. Returns `false` if the pool was already shut down.
    @discardableResult
    func shutdown() -> Bool {
        let drained: [InvocationJob]? = state.withLock { state in
            guard !state.isShutdown else { return nil }
            state.isShutdown = true
            let pending = state.order.flatMap { state.queues[$0] ?? [] }
            state.queues = [:]
            state.order = []
            state.queuedCount = 0
            return pending
        }
        guard let drained else { return false }
        for job in drained {
            job.continuation.resume(returning: .failure(WasmError(.shutdown, "the wasm runtime was shut down")))
        }
        signal(all: true)
        return true
    }

    /// Jobs waiting for a worker (for tests and metrics).
    var queuedCount: Int { state.withLock { $0.queuedCount } }

    private func signal(all: Bool) {
        wakeUp.lock()
        if all { wakeUp.broadcast() } else { wakeUp.signal() }
        wakeUp.unlock()
    }

    /// A job finished: its key may run another, so wake a worker if jobs wait.
    private func finished(_ key: String) {
        let waiting = state.withLock { state in
            state.running[key, default: 1] -= 1
            if state.running[key] == 0 { state.running[key] = nil }
            return state.queuedCount > 0
        }
        if waiting { signal(all: false) }
    }

    /// The next eligible job, round-robin over keys below their running cap.
    private func take() -> (job: InvocationJob?, stop: Bool) {
        state.withLock { state in
            if state.isShutdown { return (nil, true) }
            guard let position = state.firstEligible(cap: maxRunningPerKey) else {
                return (nil, false)
            }
            let key = state.order.remove(at: position)
            var queue = state.queues[key] ?? []
            let job = queue.removeFirst()
            state.queues[key] = queue.isEmpty ? nil : queue
            if !queue.isEmpty { state.order.append(key) }
            state.queuedCount -= 1
            state.running[key, default: 0] += 1
            return (job, false)
        }
    }

    /// Polls the queue for a short while before the worker parks: waking a parked thread costs
    /// a futex call and a reschedule (tens of microseconds on a VM), more than a short guest run.
    private func spinForWork() -> Bool {
        for _ in 0..<Self.spinChecks {
            if hasEligibleWork() { return true }
            sched_yield()
        }
        return false
    }

    /// Whether a job could be taken now (or the pool is shutting down).
    private func hasEligibleWork() -> Bool {
        state.withLock { state in
            state.isShutdown || state.firstEligible(cap: maxRunningPerKey) != nil
        }
    }

    /// How many times an idle worker checks the queue before parking.
    private static let spinChecks = 64

    /// Blocks until an eligible job is available; `nil` once the pool is shut down.
    private func next() -> InvocationJob? {
        while true {
            let outcome = take()
            if outcome.stop { return nil }
            if let job = outcome.job { return job }
            if spinForWork() { continue }
            wakeUp.lock()
            // Re-check under the condition's lock so a signal sent after `take` is not lost.
            let ready = hasEligibleWork()
            if !ready { wakeUp.wait() }
            wakeUp.unlock()
        }
    }
}
