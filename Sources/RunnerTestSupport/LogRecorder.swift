public import Logging
internal import Synchronization

/// A log handler that records every event, for asserting on what was logged.
public final class LogRecorder: Sendable {
    public init() {}

    public struct Line: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: Logger.Metadata
    }

    private let lines = Mutex<[Line]>([])

    /// A logger at `.trace` that records into this recorder.
    public var logger: Logger {
        var logger = Logger(label: "test.recorder") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    public var recorded: [Line] { lines.withLock { $0 } }

    public func contains(_ text: String) -> Bool {
        lines.withLock { $0.contains { $0.message == text } }
    }

    /// Polls until a line `text` is logged (or gives up after `attempts` × 5 ms).
    public func waitFor(_ text: String, attempts: Int = 2_000) async throws -> Bool {
        for _ in 0..<attempts {
            if contains(text) { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return contains(text)
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let line = Line(level: event.level, message: "\(event.message)", metadata: event.metadata ?? [:])
            recorder.lines.withLock { $0.append(line) }
        }
    }
}
