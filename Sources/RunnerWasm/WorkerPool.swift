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

/// A fixed set of dedicated OS threads fed by a bounded, lock-protected FIFO queue.
///
/// Guest code runs only on these threads, never on a Swift-concurrency cooperative thread or an
/// event loop: WasmKit's `invoke` blocks, and `Store`/`Instance` are thread-confined. Each thread
/// builds its own executor (and so its own instance pool) with the `makeExecutor` factory.
/// A counting semaphore carries "a job (or shutdown) is available" from producers to workers.
final class WorkerPool: Sendable {
    /// Runs one job on the calling worker thread and returns its outcome.
    typealias Executor = (InvocationJob) -> Result<WasmInvocationResult, WasmError>

    private struct State {
        /// FIFO; bounded by `maxQueued`, so `removeFirst` stays cheap.
        var queue: [InvocationJob] = []
        var isShutdown = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let threadCount: Int
    private let maxQueued: Int

    /// Worker thread stack size: generous, since host functions run on the interpreter's native
    /// stack (the Wasm operand/call stack itself is WasmKit's separate `ExecutionStack`).
    private static let threadStackSize = 4 << 20

    /// Starts `threadCount` worker threads (at least 1).
    init(threadCount: Int, maxQueued: Int, makeExecutor: @escaping @Sendable () -> Executor) {
        self.threadCount = max(1, threadCount)
        self.maxQueued = max(1, maxQueued)
        for index in 0..<self.threadCount {
            let thread = Thread { [self] in
                // Set from inside: on Linux a thread can only name itself.
                Thread.current.name = "wasm-worker-\(index)"
                let execute = makeExecutor()
                while let job = self.next() {
                    job.continuation.resume(returning: execute(job))
                }
            }
            thread.stackSize = Self.threadStackSize
            thread.start()
        }
    }

    /// Enqueues a job, or resumes it at once with `.overloaded` (queue full) or `.shutdown`.
    func submit(_ job: InvocationJob) {
        let rejection: WasmError? = state.withLock { state in
            if state.isShutdown { return WasmError(.shutdown, "the wasm runtime is shut down") }
            guard state.queue.count < maxQueued else {
                return WasmError(.overloaded, "the wasm invocation queue is full (\(maxQueued) waiting)")
            }
            state.queue.append(job)
            return nil
        }
        if let rejection {
            job.continuation.resume(returning: .failure(rejection))
        } else {
            available.signal()
        }
    }

    /// Stops accepting jobs, fails every queued job with `.shutdown` and lets the workers exit
    /// after their current job. Returns `false` if the pool was already shut down.
    @discardableResult
    func shutdown() -> Bool {
        let drained: [InvocationJob]? = state.withLock { state in
            guard !state.isShutdown else { return nil }
            state.isShutdown = true
            let pending = state.queue
            state.queue = []
            return pending
        }
        guard let drained else { return false }
        for job in drained {
            job.continuation.resume(returning: .failure(WasmError(.shutdown, "the wasm runtime was shut down")))
        }
        for _ in 0..<threadCount { available.signal() }
        return true
    }

    /// Jobs waiting for a worker (for tests and metrics).
    var queuedCount: Int { state.withLock { $0.queue.count } }

    /// Blocks until a job is available; `nil` once the pool is shut down.
    private func next() -> InvocationJob? {
        while true {
            available.wait()
            let outcome: (job: InvocationJob?, stop: Bool) = state.withLock { state in
                if state.isShutdown { return (nil, true) }
                guard !state.queue.isEmpty else { return (nil, false) }
                return (state.queue.removeFirst(), false)
            }
            if outcome.stop { return nil }
            if let job = outcome.job { return job }
        }
    }
}
