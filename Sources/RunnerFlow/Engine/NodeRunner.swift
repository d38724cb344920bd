/// Runs the pack components that flow nodes call.
///
/// The engine knows nothing about WebAssembly: the host supplies a runner (a thin adapter over
/// the Wasm runtime) for each run, already bound to the run's tenant, pack and session; tests
/// supply a recording runner.
public protocol NodeRunner: Sendable {
    /// Runs `call.component` with `call.input`.
    ///
    /// - Throws: ``NodeError`` when the component fails; `transient` errors may be retried.
    func runComponent(_ call: ComponentCall) async throws(NodeError) -> ComponentResult
}
