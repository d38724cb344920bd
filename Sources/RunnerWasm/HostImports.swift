internal import WasmKit

/// A Swift error thrown from a host import. WasmKit propagates it out of `invoke` unchanged,
/// which fails the call as a trap without ever touching out-of-range memory.
struct HostImportTrap: Error, CustomStringConvertible {
    /// What went wrong, prefixed with the import's name.
    let message: String
    var description: String { message }
}

/// The `greentic:host-import@0.6.0` host functions: their exact signatures (used for admission)
/// and their implementations (linked into every instance's store).
///
/// Every guest pointer/length is checked by ``GuestMemory`` before memory is touched; a bad
/// range throws ``HostImportTrap``.
enum HostImports {
    /// The only import module a pack component may use.
    static let moduleName = "greentic:host-import@0.6.0"

    /// Field name → exact core signature.
    static let signatures: [String: FunctionType] = [
        "log": FunctionType(parameters: [.i32, .i32, .i32]),
        "state-get": FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [.i32]),
        "state-set": FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [.i32]),
        "state-delete": FunctionType(parameters: [.i32, .i32], results: [.i32]),
        "secret-get": FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [.i32]),
        "http-fetch": FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [.i32]),
        "now-ms": FunctionType(parameters: [], results: [.i64]),
        "random-fill": FunctionType(parameters: [.i32, .i32]),
        "telemetry-event": FunctionType(parameters: [.i32, .i32]),
    ]

    /// The host function body shape: parameters as unsigned `i32`s widened to `Int`, guest memory
    /// already resolved, returns the (optional) single result.
    private typealias Body = (_ args: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value?

    /// Builds the import object for `store`. With `context == nil` (the compile-time validation
    /// store) every function traps if called; none is, because the start function is dropped.
    static func imports(store: Store, context: HostCallContext?) -> Imports {
        var imports = Imports()
        for (name, type) in signatures {
            let body = implementation(of: name)
            let function = Function(
                store: store,
                parameters: type.parameters,
                results: type.results,
                raw: { caller, params, results in
                    guard let context else { throw HostImportTrap(message: "\(name): not callable during validation") }
                    guard let memory = caller.instance?.exports[memory: "memory"] else {
                        throw HostImportTrap(message: "\(name): the instance exports no memory")
                    }
                    var args: [Int] = []
                    args.reserveCapacity(params.count)
                    for param in params {
                        guard case .i32(let raw) = param else {
                            throw HostImportTrap(message: "\(name): unexpected parameter type")
                        }
                        args.append(Int(raw))
                    }
                    do {
                        if let value = try body(args, GuestMemory(memory: memory), context), results.count == 1 {
                            results[0] = value
                        }
                    } catch let fault as GuestMemoryFault {
                        throw HostImportTrap(message: "host import \(name): \(fault)")
                    }
                }
            )
            imports.define(module: moduleName, name: name, function)
        }
        return imports
    }

    /// An `i32` result from a signed value.
    private static func i32(_ value: Int32) -> Value { .i32(UInt32(bitPattern: value)) }

    private static func implementation(of name: String) -> Body {
        switch name {
        case "log": log
        case "state-get": stateGet
        case "state-set": stateSet
        case "state-delete": stateDelete
        case "secret-get": secretGet
        case "http-fetch": httpFetch
        case "now-ms": { _, _, context in .i64(UInt64(bitPattern: context.nowMs())) }
        case "random-fill": randomFill
        case "telemetry-event": telemetryEvent
        default: { _, _, _ in throw HostImportTrap(message: "\(name): not implemented") }
        }
    }

    private static func log(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        try memory.check(offset: a[1], count: a[2])
        let bytes = try memory.read(offset: a[1], count: min(a[2], HostImportCaps.maxLogMessageBytes))
        context.log(level: UInt32(truncatingIfNeeded: a[0]), message: bytes)
        return nil
    }

    /// Reads a key for a lookup; over-long keys cannot exist, so they are not copied.
    private static func lookupKey(_ memory: GuestMemory, _ ptr: Int, _ len: Int) throws -> [UInt8]? {
        try memory.check(offset: ptr, count: len)
        guard len <= HostImportCaps.maxKeyBytes else { return nil }
        return try memory.read(offset: ptr, count: len)
    }

    /// The shared "−1 missing, else n; bytes written only if n <= cap" protocol.
    private static func copyOut(_ value: [UInt8]?, _ memory: GuestMemory, _ ptr: Int, _ cap: Int) throws -> Value {
        try memory.check(offset: ptr, count: cap)
        guard let value, value.count <= Int(Int32.max) else { return i32(-1) }
        if value.count <= cap { try memory.write(value, at: ptr) }
        return i32(Int32(value.count))
    }

    private static func stateGet(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        let key = try lookupKey(memory, a[0], a[1])
        return try copyOut(key.flatMap { context.value(forKey: $0) }, memory, a[2], a[3])
    }

    private static func stateSet(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        try memory.check(offset: a[0], count: a[1])
        try memory.check(offset: a[2], count: a[3])
        guard a[1] <= HostImportCaps.maxKeyBytes, a[3] <= HostImportCaps.maxValueBytes else {
            return i32(-2)
        }
        let key = try memory.read(offset: a[0], count: a[1])
        let value = try memory.read(offset: a[2], count: a[3])
        return i32(context.set(key: key, value: value))
    }

    private static func stateDelete(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        guard let key = try lookupKey(memory, a[0], a[1]) else { return i32(-1) }
        return i32(context.delete(key: key))
    }

    private static func secretGet(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        let name = try lookupKey(memory, a[0], a[1])
        return try copyOut(try name.flatMap { try context.secret(named: $0) }, memory, a[2], a[3])
    }

    /// Outbound HTTP is not enabled in this release: checked like the others, always denied.
    private static func httpFetch(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        try memory.check(offset: a[0], count: a[1])
        try memory.check(offset: a[2], count: a[3])
        return i32(-2)
    }

    private static func randomFill(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        try memory.check(offset: a[0], count: a[1])
        guard a[1] <= HostImportCaps.maxRandomFillBytes else {
            throw HostImportTrap(
                message: "host import random-fill: \(a[1]) bytes requested, at most \(HostImportCaps.maxRandomFillBytes)"
            )
        }
        try memory.withMutableBytes(offset: a[0], count: a[1], context.randomFill)
        return nil
    }

    private static func telemetryEvent(_ a: [Int], _ memory: GuestMemory, _ context: HostCallContext) throws -> Value? {
        try memory.check(offset: a[0], count: a[1])
        guard a[1] <= HostImportCaps.maxTelemetryEventBytes else { return nil }
        context.recordTelemetry(try memory.read(offset: a[0], count: a[1]))
        return nil
    }
}
