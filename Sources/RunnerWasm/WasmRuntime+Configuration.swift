internal import Foundation

extension WasmRuntime {
    /// Runtime-wide settings, fixed at ``WasmRuntime/init(configuration:)``.
    public struct Configuration: Sendable {
        /// Number of dedicated worker threads that run guest code. Default: the active processor
        /// count (at least 1).
        public var workerCount: Int
        /// Invocations allowed to wait for a worker; beyond this `invoke` fails at once with
        /// ``WasmError/Code/overloaded``. Default 256; at least 1 (every call passes the queue).
        public var maxQueuedInvocations: Int
        /// Idle instances each worker keeps (LRU). Default 32. Each idle instance keeps its
        /// linear memory and translated code; with WasmKit's default `mprotect` bounds checking
        /// it also reserves 4 GiB of address space.
        public var maxIdleInstancesPerWorker: Int
        /// Ceiling on a module's *initial* memory checked at compile time (the per-call
        /// ``WasmLimits/maxMemoryBytes`` is enforced again at instantiation). Default 1 GiB.
        public var compileMemoryCeilingBytes: Int
        /// The clock behind `now-ms` (milliseconds since the Unix epoch by default).
        public var nowMs: @Sendable () -> Int64
        /// The generator behind `random-fill`; must fill the whole buffer. Default: the system
        /// CSPRNG (`SystemRandomNumberGenerator`).
        public var randomFill: @Sendable (UnsafeMutableRawBufferPointer) -> Void

        /// Creates a configuration; every parameter has the documented default.
        public init(
            workerCount: Int = Configuration.defaultWorkerCount,
            maxQueuedInvocations: Int = 256,
            maxIdleInstancesPerWorker: Int = 32,
            compileMemoryCeilingBytes: Int = 1 << 30,
            nowMs: @escaping @Sendable () -> Int64 = Configuration.systemNowMs,
            randomFill: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Void = Configuration.systemRandomFill
        ) {
            self.workerCount = max(1, workerCount)
            self.maxQueuedInvocations = maxQueuedInvocations
            self.maxIdleInstancesPerWorker = maxIdleInstancesPerWorker
            self.compileMemoryCeilingBytes = compileMemoryCeilingBytes
            self.nowMs = nowMs
            self.randomFill = randomFill
        }

        /// The active processor count, at least 1.
        public static var defaultWorkerCount: Int {
            max(1, ProcessInfo.processInfo.activeProcessorCount)
        }

        /// Wall-clock milliseconds since the Unix epoch.
        @Sendable public static func systemNowMs() -> Int64 {
            Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
        }

        /// Fills `buffer` from the system CSPRNG.
        @Sendable public static func systemRandomFill(_ buffer: UnsafeMutableRawBufferPointer) {
            var generator = SystemRandomNumberGenerator()
            var index = 0
            while index < buffer.count {
                let word = generator.next()
                for shift in 0..<8 where index < buffer.count {
                    buffer[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(shift)))
                    index += 1
                }
            }
        }
    }
}
