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
/// across instance keys (tenant and pack), and a task executor.
///
/// Guest code runs only on these threads, never on a Swift-concurrency cooperative thread or an
/// event loop: WasmKit's `invoke` blocks, and `Store`/`Instance` are thread-confined. Each thread
/// builds its own executor (and so its own instance pool) with the `makeExecutor` factory.
///
/// Fairness: waiting jobs are kept per key and served round-robin, and one key may occupy at
/// most `maxRunningPerKey` workers at once (by default all but one), so a tenant whose guests
/// spin until their timeout never stops another tenant's calls from running.
///
/// As a `TaskExecutor`, the threads also run the partial tasks of tasks that prefer the pool,
/// taking turns with waiting guest calls so neither starves; when every worker is running a
/// guest, a partial task goes to the global executor instead, so spinning guests never hold up
/// the rest of a run. Such a task's guest call runs in place (``runInline(_:_:)``) when it
/// would be taken at once anyway, with no hand-off to another thread and back: a pooled call
/// costs its guest run and little else.
final class WorkerPool: TaskExecutor, Sendable {
    /// Runs one call on the calling worker thread and returns its outcome.
    typealias Executor = (CompiledComponent, WasmInvocation) -> Result<WasmInvocationResult, WasmError>

    /// What a worker takes next.
    private enum Work {
        /// A partial task of a Swift task that prefers this pool (``withTaskExecutorPreference``).
        case task(UnownedJob)
        case invocation(InvocationJob)
    }

    private struct State {
        /// Waiting jobs per key, each FIFO.
        var queues: [String: [InvocationJob]] = [:]
        /// Keys with waiting jobs, in round-robin order.
        var order: [String] = []
        /// Jobs running per key.
        var running: [String: Int] = [:]
        var queuedCount = 0
        /// Guest calls running, in place or taken from the queue (one per busy worker): the
        /// sum of `running`, kept beside it so `enqueue` need not add it up.
        var guestsRunning = 0
        var isShutdown = false
        /// Partial tasks waiting, FIFO from `taskHead`.
        var tasks: [UnownedJob] = []
        var taskHead = 0

        var hasTasks: Bool { taskHead < tasks.count }

        /// A guest call of `key` starts running.
        mutating func guestStarted(_ key: String) {
            running[key, default: 0] += 1
            guestsRunning += 1
        }

        /// A guest call of `key` ended.
        mutating func guestFinished(_ key: String) {
            running[key, default: 1] -= 1
            if running[key] == 0 { running[key] = nil }
            guestsRunning -= 1
        }

        mutating func popTask() -> UnownedJob? {
            guard hasTasks else { return nil }
            let job = tasks[taskHead]
            taskHead += 1
            if taskHead == tasks.count {
                tasks.removeAll(keepingCapacity: true)
                taskHead = 0
            } else if taskHead >= 64, taskHead * 2 >= tasks.count {
                // Never empty under steady load: drop the taken half (amortised O(1)).
                tasks.removeFirst(taskHead)
                taskHead = 0
            }
            return job
        }

        /// Where in ``order`` the first key below its running cap is.
        func firstEligible(cap: Int) -> Int? {
            order.firstIndex { running[$0, default: 0] < cap }
        }
    }

    private let state = Mutex(State())
    private let inlineCount = Atomic<Int>(0)
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
                let worker = CurrentWorker(pool: self, execute: makeExecutor())
                worker.install()
                // Tasks and waiting calls take turns, so neither starves the other.
                var preferCall = false
                while let work = self.next(preferCall: preferCall) {
                    switch work {
                    case .task(let job):
                        job.runSynchronously(on: self.asUnownedTaskExecutor())
                        preferCall = true
                    case .invocation(let job):
                        let result = worker.execute(job.component, job.invocation)
                        self.finished(job.invocation.instanceKey)
                        job.continuation.resume(returning: result)
                        preferCall = false
                    }
                }
            }
            thread.stackSize = Self.threadStackSize
            thread.start()
        }
    }

    /// Runs a partial task on a worker; on the global executor instead when every worker is
    /// running a guest (so spinning guests never hold up the rest of a run: its store work, its
    /// answer) or after shutdown (so no task is ever stranded).
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = state.withLock { state in
            guard !state.isShutdown, state.guestsRunning < threadCount else { return false }
            state.tasks.append(job)
            return true
        }
        if accepted {
            signal(all: false)
        } else {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    /// Runs the call on the calling thread when it is one of this pool's workers, no call is
    /// waiting that a worker could take (so it jumps no queue) and its key is below its cap;
    /// `nil` otherwise (then ``submit(_:)`` it).
    func runInline(_ component: CompiledComponent, _ invocation: WasmInvocation) -> Result<WasmInvocationResult, WasmError>? {
        guard let worker = CurrentWorker.current, worker.pool === self else { return nil }
        let key = invocation.instanceKey
        let admitted = state.withLock { state in
            guard !state.isShutdown, state.firstEligible(cap: maxRunningPerKey) == nil,
                state.running[key, default: 0] < maxRunningPerKey
            else { return false }
            state.guestStarted(key)
            return true
        }
        guard admitted else { return nil }
        inlineCount.add(1, ordering: .relaxed)
        let result = worker.execute(component, invocation)
        finished(key)
        return result
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
        let drained: (calls: [InvocationJob], tasks: [UnownedJob])? = state.withLock { state in
            guard !state.isShutdown else { return nil }
            state.isShutdown = true
            let pending = state.order.flatMap { state.queues[$0] ?? [] }
            state.queues = [:]
            state.order = []
            state.queuedCount = 0
            let tasks = Array(state.tasks[state.taskHead...])
            state.tasks = []
            state.taskHead = 0
            return (pending, tasks)
        }
        guard let drained else { return false }
        for task in drained.tasks {
            globalConcurrentExecutor.enqueue(ExecutorJob(task))
        }
        for job in drained.calls {
            job.continuation.resume(returning: .failure(WasmError(.shutdown, "the wasm runtime was shut down")))
        }
        signal(all: true)
        return true
    }

    /// Jobs waiting for a worker (for tests and metrics).
    var queuedCount: Int { state.withLock { $0.queuedCount } }

    /// Calls run in place by a task on a worker (for tests and metrics).
    var inlineCalls: Int { inlineCount.load(ordering: .relaxed) }

    private func signal(all: Bool) {
        wakeUp.lock()
        if all { wakeUp.broadcast() } else { wakeUp.signal() }
        wakeUp.unlock()
    }

    /// A job finished: its key may run another, so wake a worker if jobs wait.
    private func finished(_ key: String) {
        let waiting = state.withLock { state in
            state.guestFinished(key)
            return state.queuedCount > 0
        }
        if waiting { signal(all: false) }
    }

    /// The next partial task or the next eligible call (round-robin over keys below their
    /// running cap), the call first when `preferCall` and one is eligible.
    private func take(preferCall: Bool) -> (work: Work?, stop: Bool) {
        state.withLock { state in
            if state.isShutdown { return (nil, true) }
            let eligible = state.firstEligible(cap: maxRunningPerKey)
            if !preferCall || eligible == nil, let task = state.popTask() { return (.task(task), false) }
            guard let position = eligible else {
                return (nil, false)
            }
            let key = state.order.remove(at: position)
            var queue = state.queues[key] ?? []
            let job = queue.removeFirst()
            state.queues[key] = queue.isEmpty ? nil : queue
            if !queue.isEmpty { state.order.append(key) }
            state.queuedCount -= 1
            state.guestStarted(key)
            return (.invocation(job), false)
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
            state.isShutdown || state.hasTasks || state.firstEligible(cap: maxRunningPerKey) != nil
        }
    }

    /// How many times an idle worker checks the queue before parking.
    private static let spinChecks = 64

    /// Blocks until an eligible job is available; `nil` once the pool is shut down.
    private func next(preferCall: Bool) -> Work? {
        while true {
            let outcome = take(preferCall: preferCall)
            if outcome.stop { return nil }
            if let work = outcome.work { return work }
            if spinForWork() { continue }
            wakeUp.lock()
            // Re-check under the condition's lock so a signal sent after `take` is not lost.
            let ready = hasEligibleWork()
            if !ready { wakeUp.wait() }
            wakeUp.unlock()
        }
    }
}

/// The worker the current thread is, found through a thread-specific key: lets a guest call
/// made by a task already running on a worker run right there (``WorkerPool/runInline(_:_:)``).
final class CurrentWorker: @unchecked Sendable {
    // @unchecked: only ever used on the worker thread that made it (thread-confined
    // `execute`); other threads never see it.
    let pool: WorkerPool
    let execute: WorkerPool.Executor

    init(pool: WorkerPool, execute: @escaping WorkerPool.Executor) {
        self.pool = pool
        self.execute = execute
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in if let pointer { Unmanaged<CurrentWorker>.fromOpaque(pointer).release() } }
        return key
    }()

    /// Makes this the current thread's worker (released when the thread exits).
    func install() {
        pthread_setspecific(Self.key, Unmanaged.passRetained(self).toOpaque())
    }

    static var current: CurrentWorker? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<CurrentWorker>.fromOpaque(pointer).takeUnretainedValue()
    }
}
