internal import RunnerCore

/// The manifest of a pack: its metadata, flows and components (reference §4.2).
///
/// Stored twice in a gtpack: `manifest.cbor` (self-described CBOR, the signed, authoritative
/// copy) and `manifest.json` (pretty JSON for humans). Field names are the snake_case names of
/// the Rust original, and the CBOR map keys come in its declaration order, so manifests are
/// interchangeable with greentic-pack's.
public struct PackManifest: Codable, Sendable, Hashable {
    /// Pack identity and descriptive metadata.
    public var meta: Meta
    /// The flows, sorted by id.
    public var flows: [Flow]
    /// The components, sorted by name then version.
    public var components: [Component]

    /// Creates a manifest.
    public init(meta: Meta, flows: [Flow], components: [Component]) {
        self.meta = meta
        self.flows = flows
        self.components = components
    }

    /// The flow with `id`, if any.
    public func flow(id: String) -> Flow? {
        flows.first { $0.id == id }
    }

    /// The component named `name` (and `version`, when given), if any.
    public func component(named name: String, version: String? = nil) -> Component? {
        components.first { $0.name == name && (version == nil || $0.version == version) }
    }
}

extension PackManifest {
    /// A pack this pack depends on.
    public struct Import: Codable, Sendable, Hashable {
        /// The imported pack's id.
        public var packID: String
        /// A semver requirement such as `^1.2`.
        public var versionReq: String

        /// Creates an import.
        public init(packID: String, versionReq: String) {
            self.packID = packID
            self.versionReq = versionReq
        }

        enum CodingKeys: String, CodingKey {
            case packID = "pack_id"
            case versionReq = "version_req"
        }
    }

    /// One flow of the pack and where its files are.
    public struct Flow: Codable, Sendable, Hashable {
        /// The flow id (YAML `id`).
        public var id: String
        /// The flow type (YAML `type`, e.g. `messaging`); the original's demo pack writes `flow/v1`.
        public var kind: String
        /// The node the flow starts at.
        public var entry: String
        /// Path of the YAML source, `flows/<id>/flow.yaml`.
        public var fileYAML: String
        /// Path of the canonical JSON, `flows/<id>/flow.json`.
        public var fileJSON: String
        /// BLAKE3 (lowercase hex) of the canonical JSON bytes.
        public var hashBLAKE3: String

        /// Creates a flow entry.
        public init(id: String, kind: String, entry: String, fileYAML: String, fileJSON: String, hashBLAKE3: String) {
            self.id = id
            self.kind = kind
            self.entry = entry
            self.fileYAML = fileYAML
            self.fileJSON = fileJSON
            self.hashBLAKE3 = hashBLAKE3
        }

        enum CodingKeys: String, CodingKey {
            case id, kind, entry
            case fileYAML = "file_yaml"
            case fileJSON = "file_json"
            case hashBLAKE3 = "hash_blake3"
        }
    }
}
