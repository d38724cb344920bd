internal import Synchronization
@_spi(Fuzzing) internal import WasmKit

/// The per-store memory and table cap, installed through WasmKit's `@_spi(Fuzzing)`
/// `Store.resourceLimiter` (pinned to WasmKit 0.4.x, where that SPI exists).
///
/// WasmKit asks the limiter for every linear-memory allocation (the initial size at
/// instantiation, then every `memory.grow`). A denied initial size makes instantiation throw
/// (reported as ``WasmError/Code/memoryLimit``); a denied `memory.grow` returns −1 to the guest.
/// The cap is atomic so a pooled instance can take the next invocation's limit; denials are
/// counted so the runtime can tell a memory-limit instantiation failure from any other trap
/// without parsing WasmKit's message.
final class MemoryLimiter: ResourceLimiter {
    /// Largest table size allowed, in elements (tables are not capped by ``WasmLimits``).
    static let maxTableElements = 100_000

    private let capBytes: Atomic<Int>
    private let deniedCount = Atomic<Int>(0)

    /// Creates a limiter that allows linear memories up to `capBytes`.
    init(capBytes: Int) {
        self.capBytes = Atomic(capBytes)
    }

    /// Sets the memory cap for subsequent allocations.
    func setCap(_ bytes: Int) {
        capBytes.store(bytes, ordering: .relaxed)
    }

    /// How many memory allocations this limiter has refused so far.
    var denials: Int { deniedCount.load(ordering: .relaxed) }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        guard desired <= capBytes.load(ordering: .relaxed) else {
            deniedCount.add(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func limitTableGrowth(to desired: Int) throws -> Bool {
        desired <= Self.maxTableElements
    }
}
