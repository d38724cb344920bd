internal import RunnerCore

/// The `sbom.json` file catalogue of a pack: every file except `sbom.json` itself and
/// `signatures/*`, with its size, BLAKE3 and media type.
///
/// Written as greentic-pack writes it (`serde_json::to_vec_pretty` of a `json!` value, so keys
/// are sorted): `{"files": [...], "format": "greentic-sbom-v1"}`.
public struct SBOM: Sendable, Hashable {
    /// The only format this runner understands.
    public static let formatIdentifier = "greentic-sbom-v1"

    /// One catalogued file.
    public struct Entry: Sendable, Hashable {
        /// Path inside the archive.
        public var path: String
        /// Size in bytes.
        public var size: UInt64
        /// BLAKE3 of the contents, lowercase hex.
        public var hashBLAKE3: String
        /// Media type, e.g. `application/wasm`.
        public var mediaType: String

        /// Creates an entry.
        public init(path: String, size: UInt64, hashBLAKE3: String, mediaType: String) {
            self.path = path
            self.size = size
            self.hashBLAKE3 = hashBLAKE3
            self.mediaType = mediaType
        }
    }

    /// The format identifier, ``formatIdentifier``.
    public var format: String
    /// The catalogued files, in the order written.
    public var files: [Entry]

    /// Creates a catalogue.
    public init(format: String = SBOM.formatIdentifier, files: [Entry]) {
        self.format = format
        self.files = files
    }

    /// The `sbom.json` bytes.
    public func jsonBytes() -> [UInt8] {
        let entries: [JSONValue] = files.map { entry in
            .object([
                "path": .string(entry.path),
                "size": .int(Int64(clamping: entry.size)),
                "hash_blake3": .string(entry.hashBLAKE3),
                "media_type": .string(entry.mediaType),
            ])
        }
        return OrderedJSON.value(.object(["format": .string(format), "files": .array(entries)])).prettyBytes()
    }

    /// Parses `sbom.json` bytes.
    ///
    /// - Throws: ``PackError/Code/invalidManifest`` naming the malformed field, or if the
    ///   format is not ``formatIdentifier``.
    public init(json bytes: [UInt8]) throws(PackError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: bytes)
        } catch {
            throw PackError(code: .invalidManifest, message: "sbom.json is not valid JSON: \(error)", cause: error)
        }
        let root = try JSONObjectReader(document, context: "sbom.json", code: .invalidManifest)
        let format = try root.string("format")
        guard format == SBOM.formatIdentifier else {
            throw PackError(
                code: .invalidManifest,
                message: "sbom.json has format `\(format)`; this runner reads `\(SBOM.formatIdentifier)` only"
            )
        }
        guard case .array(let items)? = root.members["files"] else {
            throw root.error("files", "must be an array")
        }
        var files: [Entry] = []
        for (index, item) in items.enumerated() {
            let entry = try JSONObjectReader(item, context: "sbom.json files[\(index)]", code: .invalidManifest)
            files.append(
                Entry(
                    path: try entry.string("path"),
                    size: try entry.unsignedInteger("size"),
                    hashBLAKE3: try entry.string("hash_blake3"),
                    mediaType: try entry.string("media_type")
                )
            )
        }
        self.init(format: format, files: files)
    }
}
