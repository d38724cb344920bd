/// An error from a ``RunnerStore``.
///
/// `code` is stable and meant for branching and metric labels; `message` explains what went
/// wrong for logs; `cause` carries the backend's own error when there is one.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of store failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case revisionConflict, claimLost, duplicate, backend, corrupt, schemaTooNew
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A compare-and-swap on a resume record's revision failed.
        public static let revisionConflict = Code(.revisionConflict)
        /// A dedupe token or an inbox lease no longer holds its claim (its lease expired and another
        /// took it).
        public static let claimLost = Code(.claimLost)
        /// An unclaimed dedupe completion found its key live: the event was answered, or is
        /// being processed, by another holder.
        public static let duplicate = Code(.duplicate)
        /// The database failed (I/O, connection, constraint).
        public static let backend = Code(.backend)
        /// Stored data could not be decoded.
        public static let corrupt = Code(.corrupt)
        /// The database was written by a newer version of the runner.
        public static let schemaTooNew = Code(.schemaTooNew)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "store \(code): \(message) (\(cause))" }
        return "store \(code): \(message)"
    }
}

extension StoreError {
    /// The next revision after `revision`, refusing to wrap.
    public static func nextRevision(after revision: Int64) throws(StoreError) -> Int64 {
        let (next, overflow) = revision.addingReportingOverflow(1)
        guard !overflow else { throw StoreError(.corrupt, "revision \(revision) cannot be incremented") }
        return next
    }

    /// A failed compare-and-swap on a resume record.
    public static func resumeConflict(_ key: ResumeKey, expected: Int64?, found: Int64?) -> StoreError {
        let expectedText = expected.map { "revision \($0)" } ?? "no live record"
        let foundText = found.map { "revision \($0)" } ?? "no record"
        return StoreError(
            .revisionConflict,
            "resume record \(key.tenant)/\(key.sessionKey)/\(key.flowID): expected \(expectedText), found \(foundText)"
        )
    }

    /// A failed compare-and-swap on a state scope.
    public static func stateConflict(_ scope: StateScope, expected: Int64, found: Int64) -> StoreError {
        StoreError(
            .revisionConflict,
            "state of \(scope.tenant)/\(scope.pack)/\(scope.session): expected revision \(expected), found \(found)"
        )
    }
}
