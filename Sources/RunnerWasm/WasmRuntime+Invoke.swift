extension WasmRuntime {
    /// Runs the component's `run` export once on a worker thread.
    ///
    /// The caller's task suspends until a worker has finished; guest code never runs on the
    /// caller's thread. Task cancellation is not observed (the call's own limits bound it).
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
        let result = await withCheckedContinuation { continuation in
            pool.submit(InvocationJob(component: component, invocation: invocation, continuation: continuation))
        }
        return try result.get()
    }
}
