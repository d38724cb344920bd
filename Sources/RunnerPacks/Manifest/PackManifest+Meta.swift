public import RunnerCore

extension PackManifest {
    /// Pack identity and descriptive metadata (`meta`).
    ///
    /// Optional members are written as explicit `null` (as serde does for `Option` fields) and
    /// read back whether they are `null` or absent; `authors`, `imports` and `annotations`
    /// default to empty when absent.
    public struct Meta: Codable, Sendable, Hashable {
        /// Reverse-DNS pack id, e.g. `ai.greentic.runner.example`.
        public var packID: String
        /// Semantic version of the pack.
        public var version: String
        /// Human-readable name.
        public var name: String
        /// Optional description.
        public var description: String?
        /// Authors.
        public var authors: [String]
        /// SPDX license expression, if any.
        public var license: String?
        /// Packs this pack depends on.
        public var imports: [Import]
        /// Flow ids callers may start (the first is the default).
        public var entryFlows: [String]
        /// RFC 3339 creation time, e.g. `1980-01-01T00:00:00Z`.
        public var createdAtUTC: String
        /// Free-form metadata (a JSON object).
        public var annotations: [String: JSONValue]

        /// Creates metadata.
        public init(
            packID: String,
            version: String,
            name: String,
            description: String? = nil,
            authors: [String] = [],
            license: String? = nil,
            imports: [Import] = [],
            entryFlows: [String],
            createdAtUTC: String,
            annotations: [String: JSONValue] = [:]
        ) {
            self.packID = packID
            self.version = version
            self.name = name
            self.description = description
            self.authors = authors
            self.license = license
            self.imports = imports
            self.entryFlows = entryFlows
            self.createdAtUTC = createdAtUTC
            self.annotations = annotations
        }

        enum CodingKeys: String, CodingKey {
            case packID = "pack_id"
            case version, name, description, authors, license, imports
            case entryFlows = "entry_flows"
            case createdAtUTC = "created_at_utc"
            case annotations
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            packID = try container.decode(String.self, forKey: .packID)
            version = try container.decode(String.self, forKey: .version)
            name = try container.decode(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            authors = try container.decodeIfPresent([String].self, forKey: .authors) ?? []
            license = try container.decodeIfPresent(String.self, forKey: .license)
            imports = try container.decodeIfPresent([Import].self, forKey: .imports) ?? []
            entryFlows = try container.decode([String].self, forKey: .entryFlows)
            createdAtUTC = try container.decode(String.self, forKey: .createdAtUTC)
            annotations = try container.decodeIfPresent([String: JSONValue].self, forKey: .annotations) ?? [:]
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(packID, forKey: .packID)
            try container.encode(version, forKey: .version)
            try container.encode(name, forKey: .name)
            try container.encode(description, forKey: .description)
            try container.encode(authors, forKey: .authors)
            try container.encode(license, forKey: .license)
            try container.encode(imports, forKey: .imports)
            try container.encode(entryFlows, forKey: .entryFlows)
            try container.encode(createdAtUTC, forKey: .createdAtUTC)
            try container.encode(annotations, forKey: .annotations)
        }
    }
}
