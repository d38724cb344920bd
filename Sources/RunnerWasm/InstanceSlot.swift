@_spi(Fuzzing) internal import WasmKit

/// The exports of an instantiated component that the call sequence needs.
struct LiveInstance {
    /// The exported linear memory (bounds-checked view).
    let memory: GuestMemory
    /// `cabi_realloc`.
    let realloc: Function
    /// `greentic:component/node@0.6.0#run`.
    let run: Function
    /// `cabi_post_greentic:component/node@0.6.0#run`, if exported.
    let postReturn: Function?
}

/// One pooled guest instance with its own `Store`, memory limiter, host-import context and
/// interpreter stack.
///
/// Thread-confined: created, used and dropped on one worker thread (`Store` and `Instance` are
/// not `Sendable`). The only cross-thread access is the watchdog's fuel write through
/// ``interrupter``. One store per instance means discarding the slot frees everything the
/// instance allocated (WasmKit keeps translated code and memories in the store's allocator).
final class InstanceSlot {
    /// The instance's store (fuel and resource limiter live here).
    let store: Store
    /// The memory cap for this store.
    let limiter: MemoryLimiter
    /// Per-call host state behind the imports.
    let context: HostCallContext
    /// The watchdog's handle on ``store``.
    let interrupter: FuelInterrupter
    /// A reused interpreter stack (saves allocating 512 KiB per guest entry).
    var stack: ExecutionStack
    /// The instance's exports, once instantiated.
    private(set) var live: LiveInstance?

    /// Creates an empty slot; call ``instantiate(_:)`` (with fuel set and a watch running, since
    /// instantiation runs the guest's start function).
    init(engine: Engine, configuration: WasmRuntime.Configuration, memoryCapBytes: Int) {
        store = Store(engine: engine)
        limiter = MemoryLimiter(capBytes: memoryCapBytes)
        store.resourceLimiter = limiter
        context = HostCallContext(nowMs: configuration.nowMs, randomFill: configuration.randomFill)
        interrupter = FuelInterrupter(store: store)
        stack = ExecutionStack(engine: engine)
    }

    /// Instantiates the component in this slot's store and resolves the ABI exports.
    func instantiate(_ component: CompiledComponent) throws -> LiveInstance {
        let instance = try component.module.instantiate(
            store: store,
            imports: HostImports.imports(store: store, context: context)
        )
        let exports = instance.exports
        // Admission checked these exports at compile time; re-resolve them defensively anyway.
        guard let memory = exports[memory: ModuleAdmission.memoryExport],
            let realloc = exports[function: ModuleAdmission.reallocExport],
            let run = exports[function: ModuleAdmission.runExport]
        else {
            throw WasmError(.missingExport, "\(component.name): ABI exports vanished after admission")
        }
        let postReturn = component.hasPostReturn ? exports[function: ModuleAdmission.postReturnExport] : nil
        let live = LiveInstance(memory: GuestMemory(memory: memory), realloc: realloc, run: run, postReturn: postReturn)
        self.live = live
        return live
    }

    /// Calls a guest function on this slot's reused stack.
    func call(_ function: Function, _ arguments: [Value]) throws -> [Value] {
        try function.invoke(arguments, on: &stack)
    }
}
