internal import WasmKit

/// A guest pointer/length pair that does not fit inside the guest's linear memory.
struct GuestMemoryFault: Error, CustomStringConvertible {
    /// The guest-supplied offset.
    let offset: Int
    /// The guest-supplied length.
    let count: Int
    /// The memory size at the time of the access.
    let byteCount: Int

    var description: String {
        "range [\(offset), \(offset)+\(count)) is outside guest memory of \(byteCount) bytes"
    }
}

/// Bounds-checked access to a guest's linear memory.
///
/// WasmKit's `Memory.withUnsafe(Mutable)BufferPointer` `precondition`s its range, so an
/// unchecked guest pointer would abort the whole host process. Every access here validates
/// `offset` and `count` against the memory's *current* `byteCount` first, in `Int` arithmetic
/// (guest values are `u32`, so `offset + count` cannot overflow an `Int` but could wrap a `u32`).
/// Zero-length accesses never touch the memory (an empty memory may have no base address, which
/// is another WasmKit precondition).
struct GuestMemory {
    /// The guest's exported `memory`.
    let memory: Memory

    /// The memory's current size in bytes.
    var byteCount: Int { memory.byteCount }

    /// Throws ``GuestMemoryFault`` unless `[offset, offset + count)` lies inside the memory.
    func check(offset: Int, count: Int) throws(GuestMemoryFault) {
        let size = memory.byteCount
        guard offset >= 0, count >= 0, count <= size, offset <= size - count else {
            throw GuestMemoryFault(offset: offset, count: count, byteCount: size)
        }
    }

    /// Copies `count` bytes out of guest memory.
    func read(offset: Int, count: Int) throws(GuestMemoryFault) -> [UInt8] {
        try check(offset: offset, count: count)
        guard count > 0 else { return [] }
        return memory.withUnsafeBufferPointer(offset: UInt(offset), count: count) { Array($0) }
    }

    /// Copies `bytes` into guest memory at `offset`.
    func write(_ bytes: [UInt8], at offset: Int) throws(GuestMemoryFault) {
        try check(offset: offset, count: bytes.count)
        guard !bytes.isEmpty else { return }
        memory.withUnsafeMutableBufferPointer(offset: UInt(offset), count: bytes.count) { target in
            bytes.withUnsafeBytes { source in target.copyMemory(from: source) }
        }
    }

    /// Runs `body` on a checked, writable view of `[offset, offset + count)`.
    func withMutableBytes(
        offset: Int,
        count: Int,
        _ body: (UnsafeMutableRawBufferPointer) -> Void
    ) throws(GuestMemoryFault) {
        try check(offset: offset, count: count)
        guard count > 0 else { return }
        memory.withUnsafeMutableBufferPointer(offset: UInt(offset), count: count, body)
    }

    /// Reads a little-endian `u32` at `offset`.
    func readUInt32(at offset: Int) throws(GuestMemoryFault) -> UInt32 {
        let bytes = try read(offset: offset, count: 4)
        return bytes.reversed().reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
    }
}
