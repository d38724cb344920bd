internal import Logging

/// Fixed caps applied by the host imports. Exceeding a "dropped" cap is silent; exceeding a
/// "refused" cap returns −2 to the guest; exceeding a "trap" cap fails the call.
public enum HostImportCaps {
    /// `log`: longer messages are truncated to this many bytes.
    public static let maxLogMessageBytes = 4_096
    /// `log`: lines beyond this many per invocation are dropped.
    public static let maxLogLinesPerCall = 100
    /// `state-set`: keys longer than this are refused (−2).
    public static let maxKeyBytes = 256
    /// `state-set`: values longer than this are refused (−2).
    public static let maxValueBytes = 64 << 10
    /// `state-set`: creating a key when this many are live is refused (−2).
    public static let maxKeys = 1_000
    /// `random-fill`: longer requests trap (rather than leave bytes unrandomised).
    public static let maxRandomFillBytes = 64 << 10
    /// `telemetry-event`: larger events are dropped.
    public static let maxTelemetryEventBytes = 16 << 10
    /// `telemetry-event`: events beyond this many per invocation are dropped.
    public static let maxTelemetryEventsPerCall = 100
}

/// The mutable host-side state behind one instance's imports.
///
/// Thread-confined: created, used and discarded on the worker thread that owns the instance
/// (the host functions that capture it run synchronously inside that thread's `invoke`).
/// ``begin(_:componentName:)`` loads an invocation's data before each call and ``finish()``
/// hands back what the guest produced.
final class HostCallContext {
    /// Injected wall clock for `now-ms`.
    let nowMs: @Sendable () -> Int64
    /// Injected randomness for `random-fill`.
    let randomFill: @Sendable (UnsafeMutableRawBufferPointer) -> Void

    private(set) var logger = Logger(label: "greentic.wasm.guest")
    /// The invocation's log metadata; the component and pool key are added when a line is logged.
    private var logMetadata: Logger.Metadata = [:]
    private var componentName = ""
    private var instanceKey = ""
    private var keyValues: [String: [UInt8]] = [:]
    private var secrets: [String: String] = [:]
    private var unavailableSecrets: [String: String] = [:]
    private var writes: [String: [UInt8]?] = [:]
    private var liveKeyCount = 0
    private var telemetry: [[UInt8]] = []
    private var logLines = 0

    init(
        nowMs: @escaping @Sendable () -> Int64,
        randomFill: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Void
    ) {
        self.nowMs = nowMs
        self.randomFill = randomFill
    }

    /// Loads the per-invocation data and clears anything left from the previous call.
    func begin(_ invocation: WasmInvocation, componentName: String) {
        logger = invocation.logger
        logMetadata = invocation.logMetadata
        self.componentName = componentName
        instanceKey = invocation.instanceKey
        keyValues = invocation.keyValues
        secrets = invocation.secrets
        unavailableSecrets = invocation.unavailableSecrets
        writes = [:]
        liveKeyCount = keyValues.count
        telemetry = []
        logLines = 0
    }

    /// Returns the key/value writes and telemetry of the call and drops the per-call data.
    func finish() -> (writes: [String: [UInt8]?], telemetry: [[UInt8]]) {
        let result = (writes, telemetry)
        keyValues = [:]
        secrets = [:]
        unavailableSecrets = [:]
        writes = [:]
        telemetry = []
        return result
    }

    // MARK: - Import semantics (pointers already bounds-checked by the caller)

    /// `log`: maps the level, truncates and counts.
    func log(level: UInt32, message bytes: [UInt8]) {
        guard logLines < HostImportCaps.maxLogLinesPerCall else { return }
        logLines += 1
        let text = String(decoding: bytes.prefix(HostImportCaps.maxLogMessageBytes), as: UTF8.self)
        let mapped: Logger.Level =
            switch level {
            case 0: .trace
            case 1: .debug
            case 2: .info
            case 3: .warning
            default: .error
            }
        guard logger.logLevel <= mapped else { return }
        var metadata = logMetadata
        metadata["wasm.component"] = .string(componentName)
        metadata["wasm.instance_key"] = .string(instanceKey)
        logger.log(level: mapped, "\(text)", metadata: metadata)
    }

    /// `state-get`: the current value of `key`, taking this call's writes into account.
    func value(forKey key: [UInt8]) -> [UInt8]? {
        guard let name = Self.decodeKey(key) else { return nil }
        if let written = writes[name] { return written }
        return keyValues[name]
    }

    /// `state-set`: 0 on success, −2 when a cap is exceeded or the key is not UTF-8.
    func set(key: [UInt8], value: [UInt8]) -> Int32 {
        guard key.count <= HostImportCaps.maxKeyBytes, value.count <= HostImportCaps.maxValueBytes,
            let name = Self.decodeKey(key)
        else { return -2 }
        if !isLive(name) {
            guard liveKeyCount < HostImportCaps.maxKeys else { return -2 }
            liveKeyCount += 1
        }
        writes[name] = .some(value)
        return 0
    }

    /// `state-delete`: 0 if the key existed, −1 if it was missing.
    func delete(key: [UInt8]) -> Int32 {
        guard let name = Self.decodeKey(key), isLive(name) else { return -1 }
        liveKeyCount -= 1
        writes[name] = .some(nil)
        return 0
    }

    /// `secret-get`: the secret's UTF-8 bytes if it is allow-listed for this invocation.
    ///
    /// - Throws: ``HostImportTrap`` naming the secret when its backend could not answer.
    func secret(named name: [UInt8]) throws -> [UInt8]? {
        guard let key = Self.decodeKey(name) else { return nil }
        if let reason = unavailableSecrets[key] {
            throw HostImportTrap(message: "secret-get: secret \(key) is unavailable: \(reason)")
        }
        return secrets[key].map { Array($0.utf8) }
    }

    /// `telemetry-event`: records an event unless a cap is exceeded.
    func recordTelemetry(_ bytes: [UInt8]) {
        guard telemetry.count < HostImportCaps.maxTelemetryEventsPerCall,
            bytes.count <= HostImportCaps.maxTelemetryEventBytes
        else { return }
        telemetry.append(bytes)
    }

    private func isLive(_ name: String) -> Bool {
        if let written = writes[name] { return written != nil }
        return keyValues[name] != nil
    }

    /// Keys must be valid UTF-8: lossy decoding could make two distinct byte keys collide.
    private static func decodeKey(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }
}
