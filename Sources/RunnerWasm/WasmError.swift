/// An error from compiling or invoking a guest component.
///
/// ``code`` is stable and machine-readable (its description is a snake_case string suitable as a
/// node error code); ``message`` is human-readable detail.
public struct WasmError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public let code: Code
    /// Human-readable detail, e.g. the offending import's name or the trap text.
    public let message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code): \(message)" }

    /// The kind of a ``WasmError``. An open set of static members over a private enum, so new
    /// codes can be added without breaking exhaustive switches in callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case invalidModule = "invalid_module"
            case componentModelBinary = "component_model_binary"
            case unsupportedImport = "unsupported_import"
            case missingExport = "missing_export"
            case outOfFuel = "out_of_fuel"
            case timeout = "timeout"
            case memoryLimit = "memory_limit"
            case trap = "trap"
            case badResult = "bad_result"
            case outputTooLarge = "output_too_large"
            case overloaded = "overloaded"
            case shutdown = "shutdown"
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// The snake_case name of the code, e.g. `out_of_fuel`.
        public var description: String { kind.rawValue }

        /// The bytes are not a valid core module (parse or validation error, including ill-typed
        /// function bodies found by eager validation).
        public static let invalidModule = Code(.invalidModule)
        /// The bytes are a component-model binary rather than a core module.
        public static let componentModelBinary = Code(.componentModelBinary)
        /// The module imports something outside `greentic:host-import@0.6.0`, or with a wrong type.
        public static let unsupportedImport = Code(.unsupportedImport)
        /// A required ABI export is missing or has the wrong type.
        public static let missingExport = Code(.missingExport)
        /// The call used up its fuel budget.
        public static let outOfFuel = Code(.outOfFuel)
        /// The call exceeded its wall-clock budget.
        public static let timeout = Code(.timeout)
        /// The module's initial memory exceeds the memory cap.
        public static let memoryLimit = Code(.memoryLimit)
        /// The guest trapped (including a bad pointer passed to a host import).
        public static let trap = Code(.trap)
        /// The guest returned an out-of-bounds result record or byte range.
        public static let badResult = Code(.badResult)
        /// A returned byte range exceeds ``WasmLimits/maxOutputBytes``.
        public static let outputTooLarge = Code(.outputTooLarge)
        /// The invocation queue is full.
        public static let overloaded = Code(.overloaded)
        /// The runtime was shut down before or during the call.
        public static let shutdown = Code(.shutdown)
    }
}
