internal import Logging

/// A `Logger` plus per-event metadata (`gt.tenant`, `gt.session`, …) that is attached only when
/// a line is actually emitted.
///
/// Setting metadata on a `Logger` makes swift-log's `StreamLogHandler` re-render all of its
/// metadata on every change, whether or not anything is logged afterwards; with four keys per
/// event and two per component call that was about a tenth of a request's CPU (measured with
/// `perf` under `benchmarks/run.sh`). Here the merge happens at log time, after the level check.
struct EventLogger: Sendable {
    /// The logger lines go to (its own metadata still applies).
    let base: Logger
    /// The event's metadata, merged under each line's own.
    var metadata: Logger.Metadata

    init(_ base: Logger, metadata: Logger.Metadata = [:]) {
        self.base = base
        self.metadata = metadata
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level,
        _ message: @autoclosure () -> Logger.Message,
        metadata extra: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        guard base.logLevel <= level else { return }
        var merged = metadata
        if let extra = extra() { merged.merge(extra) { _, new in new } }
        base.log(level: level, message(), metadata: merged, file: file, function: function, line: line)
    }

    func debug(
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(level: .debug, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    func info(
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(level: .info, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    func warning(
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(level: .warning, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    func error(
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(level: .error, message(), metadata: metadata(), file: file, function: function, line: line)
    }
}
