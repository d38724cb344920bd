public import RunnerCore

extension PackManifest {
    /// One WebAssembly component of the pack (`components[]`).
    ///
    /// Optional members are written as explicit `null`, as the Rust original does.
    public struct Component: Codable, Sendable, Hashable {
        /// Component name (a path segment; no `/` or `..`).
        public var name: String
        /// Semantic version.
        public var version: String
        /// Path of the module, `components/<name>@<version>/component.wasm`.
        public var fileWasm: String
        /// BLAKE3 (lowercase hex) of the module bytes.
        public var hashBLAKE3: String
        /// Path of an optional node schema, `schemas/<name>@<version>/node.schema.json`.
        public var schemaFile: String?
        /// Path of an optional component manifest, `components/<name>@<version>/manifest.json`.
        public var manifestFile: String?
        /// The WIT world the component targets, if declared.
        public var world: String?
        /// Declared capabilities (free-form JSON), if any.
        public var capabilities: JSONValue?

        /// Creates a component entry.
        public init(
            name: String,
            version: String,
            fileWasm: String,
            hashBLAKE3: String,
            schemaFile: String? = nil,
            manifestFile: String? = nil,
            world: String? = nil,
            capabilities: JSONValue? = nil
        ) {
            self.name = name
            self.version = version
            self.fileWasm = fileWasm
            self.hashBLAKE3 = hashBLAKE3
            self.schemaFile = schemaFile
            self.manifestFile = manifestFile
            self.world = world
            self.capabilities = capabilities
        }

        enum CodingKeys: String, CodingKey {
            case name, version
            case fileWasm = "file_wasm"
            case hashBLAKE3 = "hash_blake3"
            case schemaFile = "schema_file"
            case manifestFile = "manifest_file"
            case world, capabilities
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            version = try container.decode(String.self, forKey: .version)
            fileWasm = try container.decode(String.self, forKey: .fileWasm)
            hashBLAKE3 = try container.decode(String.self, forKey: .hashBLAKE3)
            schemaFile = try container.decodeIfPresent(String.self, forKey: .schemaFile)
            manifestFile = try container.decodeIfPresent(String.self, forKey: .manifestFile)
            world = try container.decodeIfPresent(String.self, forKey: .world)
            let capabilities = try container.decodeIfPresent(JSONValue.self, forKey: .capabilities)
            self.capabilities = capabilities?.isNull == true ? nil : capabilities
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(version, forKey: .version)
            try container.encode(fileWasm, forKey: .fileWasm)
            try container.encode(hashBLAKE3, forKey: .hashBLAKE3)
            try container.encode(schemaFile, forKey: .schemaFile)
            try container.encode(manifestFile, forKey: .manifestFile)
            try container.encode(world, forKey: .world)
            try container.encode(capabilities, forKey: .capabilities)
        }
    }
}
