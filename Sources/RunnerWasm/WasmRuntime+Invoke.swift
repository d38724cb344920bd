extension WasmRuntime {
    /// Runs the component's `run` export once on a worker thread.
    ///
    /// A caller already running on a worker (a task that prefers ``executor``) makes the call
    /// right there when no other call waits for a worker and its key is below its cap; any
    /// other caller's task suspends until a worker has finished. Either way guest code runs only
    /// on the workers. Task cancellation is not observed (the call's own limits bound it).
    ///
    /// - Throws: ``WasmError``: `.overloaded` / `.shutdown` without running, or the call's
    ///   failure (`.outOfFuel`, `.timeout`, `.memoryLimit`, `.trap`, `.badResult`,
    ///   `.outputTooLarge`).
    public func invoke(
        _ component: CompiledComponent,
        _ invocation: WasmInvocation
    ) async throws(WasmError)
        -> WasmInvocationResult
    {
        if let result = pool.runInline(component, invocation) { return try result.get() }
        let result = await withCheckedContinuation { continuation in
            pool.submit(InvocationJob(component: component, invocation: invocation, continuation: continuation))
        }
        return try result.get()
    }
}

extension WasmRuntime {
    /// The worker threads as a task executor: a task that prefers it
    /// (`withTaskExecutorPreference`) runs on them, and its guest calls run inline when no
    /// other call waits for a worker, with no thread hand-off.
    public var executor: any TaskExecutor { pool }
}
