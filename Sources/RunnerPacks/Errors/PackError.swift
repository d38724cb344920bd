/// Why a pack, a pack index or a locator was rejected, or why fetching or caching a pack failed.
///
/// The one error type of `RunnerPacks`. Callers branch on ``code``; ``message`` is written for
/// the operator and says what was wrong and how to fix it (it names the file, tenant, field or
/// path involved). ``cause`` carries the underlying error when there is one.
///
/// Not for HTTP: mapping to status codes happens at the edge (`RunnerHost`).
public struct PackError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, stable across releases. New codes may be added, so `switch` over
    /// codes with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidArchive
            case invalidManifest
            case missingFile
            case sbomMismatch
            case signatureMissing
            case signatureInvalid
            case untrustedSigner
            case digestMismatch
            case indexInvalid
            case indexSignatureInvalid
            case invalidKey
            case locatorInvalid
            case notFound
            case io
            case tooLarge
            case invalidSource
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The bytes are not a well-formed gtpack ZIP, or an entry is unsafe (path traversal,
        /// symlink, directory, duplicate, overlapping data, bad CRC).
        public static let invalidArchive = Code(.invalidArchive)
        /// `manifest.cbor`, `sbom.json` or `signatures/pack.sig` could not be decoded, or the
        /// manifest is inconsistent with the archive.
        public static let invalidManifest = Code(.invalidManifest)
        /// A file the format requires (or the manifest references) is absent.
        public static let missingFile = Code(.missingFile)
        /// A file's BLAKE3 or size differs from `sbom.json`, or a file is not listed there.
        public static let sbomMismatch = Code(.sbomMismatch)
        /// `signatures/pack.sig` or `signatures/chain.pem` is absent.
        public static let signatureMissing = Code(.signatureMissing)
        /// The pack signature is malformed or does not verify.
        public static let signatureInvalid = Code(.signatureInvalid)
        /// The signer is not acceptable under the verification policy (dev certificate in strict mode).
        public static let untrustedSigner = Code(.untrustedSigner)
        /// A computed digest differs from the one recorded (pack.sig digest or index `digest` pin).
        public static let digestMismatch = Code(.digestMismatch)
        /// The pack index document is malformed.
        public static let indexInvalid = Code(.indexInvalid)
        /// The index `signature` of an entry is missing (with a key configured), malformed or wrong.
        public static let indexSignatureInvalid = Code(.indexSignatureInvalid)
        /// A signing or verification key could not be read.
        public static let invalidKey = Code(.invalidKey)
        /// A locator cannot be parsed, or no resolver handles its scheme.
        public static let locatorInvalid = Code(.locatorInvalid)
        /// The pack (or file) a locator names does not exist.
        public static let notFound = Code(.notFound)
        /// Reading or writing the file system failed.
        public static let io = Code(.io)
        /// A size limit was exceeded (archive, entry, fetched file).
        public static let tooLarge = Code(.tooLarge)
        /// A pack source folder (or builder input) cannot be turned into a pack.
        public static let invalidSource = Code(.invalidSource)

        /// The code's name, suitable as a metric label.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What was wrong and how to fix it.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A short label for metrics: the code's name.
    public var shortDescription: String { code.description }

    public var description: String {
        if let cause {
            return "\(code): \(message) (cause: \(cause))"
        }
        return "\(code): \(message)"
    }
}

extension PackError {
    static func invalidArchive(_ message: String, cause: (any Error & Sendable)? = nil) -> PackError {
        PackError(code: .invalidArchive, message: message, cause: cause)
    }

    static func io(_ message: String, cause: (any Error & Sendable)? = nil) -> PackError {
        PackError(code: .io, message: message, cause: cause)
    }
}
