/// Identifies pooled instances: the caller's instance key plus the compiled component's identity.
struct PoolKey: Hashable {
    /// ``WasmInvocation/instanceKey``.
    let instanceKey: String
    /// ``CompiledComponent`` identity (unique per `compile`).
    let component: UInt64
}

/// A worker thread's idle instances, keyed by ``PoolKey``, bounded with LRU eviction.
///
/// Thread-confined to its worker. An instance is *taken out* while it runs and put back only
/// after a fully successful call, so an instance that trapped or hit a limit is simply dropped.
final class InstancePool {
    private var idle: [PoolKey: (slot: InstanceSlot, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private let capacity: Int

    /// Creates a pool holding at most `capacity` idle instances (at least 1).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Removes and returns the idle instance for `key`, if any.
    func take(_ key: PoolKey) -> InstanceSlot? {
        idle.removeValue(forKey: key)?.slot
    }

    /// Returns an instance to the pool, evicting the least recently used one if full.
    func put(_ slot: InstanceSlot, for key: PoolKey) {
        clock += 1
        idle[key] = (slot, clock)
        if idle.count > capacity, let oldest = idle.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            idle.removeValue(forKey: oldest)
        }
    }

    /// The number of idle instances.
    var count: Int { idle.count }
}
