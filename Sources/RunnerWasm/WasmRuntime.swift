internal import Synchronization
internal import WasmKit

/// Compiles and runs untrusted pack components (core Wasm modules implementing the
/// `greentic:component/node@0.6.0` ABI, SPEC §5) on WasmKit.
///
/// * One shared `Engine` with fuel metering (lazy translation) for execution, and one with eager
///   translation used only to validate modules at ``compile(name:digest:bytes:)``.
/// * Guest code runs only on a fixed set of dedicated worker threads (``Configuration/workerCount``)
///   fed by a bounded queue; ``invoke(_:_:)`` suspends until a worker resumes it, or, from a task
///   already on a worker (``executor``), runs the call in place.
/// * Each worker pools instances per (``WasmInvocation/instanceKey``, component) and discards an
///   instance after any trap, limit or error.
/// * A watchdog thread enforces wall-clock deadlines by zeroing the running store's fuel.
public final class WasmRuntime: Sendable {
    /// The settings this runtime was created with.
    public let configuration: Configuration

    private let validationEngine: Engine
    private let watchdog: Watchdog
    let pool: WorkerPool
    private let nextIdentity = Atomic<UInt64>(1)

    /// Starts the worker threads and the watchdog.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        let engine = Engine(configuration: EngineConfiguration(compilationMode: .lazy, fuelMetering: true))
        validationEngine = Engine(configuration: EngineConfiguration(compilationMode: .eager, fuelMetering: true))
        let watchdog = Watchdog()
        self.watchdog = watchdog
        pool = WorkerPool(threadCount: configuration.workerCount, maxQueued: configuration.maxQueuedInvocations) {
            let executor = InvocationExecutor(engine: engine, watchdog: watchdog, configuration: configuration)
            return { component, invocation in executor.execute(component, invocation) }
        }
    }

    deinit {
        shutdown()
    }

    /// Parses, admits and eagerly validates a component.
    ///
    /// Synchronous CPU work on the calling thread (parsing and translating every function body;
    /// no guest code runs: the start function is skipped for validation).
    ///
    /// - Parameters:
    ///   - name: Display name for logs and errors.
    ///   - digest: The caller's digest of `bytes` (e.g. sha256 hex), carried for reference.
    ///   - bytes: The core module.
    /// - Throws: ``WasmError`` with `.componentModelBinary`, `.invalidModule`,
    ///   `.unsupportedImport`, `.missingExport` or `.memoryLimit`.
    public func compile(name: String, digest: String, bytes: [UInt8]) throws(WasmError) -> CompiledComponent {
        try ModuleAdmission.admit(
            name: name,
            digest: digest,
            bytes: bytes,
            identity: nextIdentity.add(1, ordering: .relaxed).oldValue,
            validationEngine: validationEngine,
            memoryCeilingBytes: configuration.compileMemoryCeilingBytes
        )
    }

    /// Stops the runtime: queued invocations fail with `.shutdown`, running guests are
    /// interrupted (and fail with `.shutdown`), worker threads exit after their current job and
    /// later `invoke` calls fail with `.shutdown`. Idempotent; does not wait for the threads.
    public func shutdown() {
        pool.shutdown()
        watchdog.stop()
    }
}
