public import RunnerCore

/// Turns in-memory pack contents (metadata, flow YAML, component modules) into the bytes of a
/// signed, deterministic `.gtpack` (reference §4.1).
///
/// The same input and key always produce the same bytes: files are sorted, the ZIP is written
/// by ``GTPackWriter``, timestamps come from the input (never the clock), the signature is
/// deterministic Ed25519, and the certificate is derived from the key (``PackSigningKey``).
///
/// Not for reading folders: ``PackSource`` loads a source folder into a ``PackBuilder/Input``.
public struct PackBuilder: Sendable {
    /// The builder name recorded in `provenance.json` when none is given.
    public static let defaultBuilder = "greentic-runner@0.1.0"

    /// One flow: its YGTC YAML text, and a name for error messages (e.g. its file name).
    public struct FlowInput: Sendable, Hashable {
        /// The YAML document.
        public var yaml: String
        /// Where it came from, for messages.
        public var source: String

        /// Creates a flow input.
        public init(yaml: String, source: String = "flow") {
            self.yaml = yaml
            self.source = source
        }
    }

    /// One component: its module bytes and what the manifest records about it.
    public struct ComponentInput: Sendable, Hashable {
        /// Component name (a single path segment).
        public var name: String
        /// Semantic version.
        public var version: String
        /// The WebAssembly module bytes.
        public var wasm: [UInt8]
        /// The WIT world, if declared.
        public var world: String?
        /// Declared capabilities, if any.
        public var capabilities: JSONValue?
        /// A node schema (JSON text) stored as `schemas/<name>@<version>/node.schema.json`.
        public var schemaJSON: String?
        /// A component manifest (JSON text) stored as `components/<name>@<version>/manifest.json`.
        public var manifestJSON: String?

        /// Creates a component input.
        public init(
            name: String,
            version: String,
            wasm: [UInt8],
            world: String? = nil,
            capabilities: JSONValue? = nil,
            schemaJSON: String? = nil,
            manifestJSON: String? = nil
        ) {
            self.name = name
            self.version = version
            self.wasm = wasm
            self.world = world
            self.capabilities = capabilities
            self.schemaJSON = schemaJSON
            self.manifestJSON = manifestJSON
        }
    }

    /// Everything a pack is built from.
    public struct Input: Sendable, Hashable {
        /// Pack metadata. An empty `createdAtUTC` is replaced by ``builtAtUTC``.
        public var meta: PackManifest.Meta
        /// The flows (at least one).
        public var flows: [FlowInput]
        /// The components.
        public var components: [ComponentInput]
        /// Extra files stored under `assets/` (path relative to `assets/` → bytes).
        public var assets: [String: [UInt8]]
        /// The build time recorded in `provenance.json` and `pack.sig` (RFC 3339).
        public var builtAtUTC: String
        /// The builder recorded in `provenance.json`.
        public var builder: String

        /// Creates an input.
        public init(
            meta: PackManifest.Meta,
            flows: [FlowInput],
            components: [ComponentInput] = [],
            assets: [String: [UInt8]] = [:],
            builtAtUTC: String = UTCTimestamp.zipEpoch,
            builder: String = PackBuilder.defaultBuilder
        ) {
            self.meta = meta
            self.flows = flows
            self.components = components
            self.assets = assets
            self.builtAtUTC = builtAtUTC
            self.builder = builder
        }
    }

    /// A built pack.
    public struct Output: Sendable {
        /// The `.gtpack` bytes.
        public var archive: [UInt8]
        /// The manifest written into it.
        public var manifest: PackManifest
        /// The SBOM written into it.
        public var sbom: SBOM
        /// Hex of the signing digest (`pack.sig` `digest`).
        public var signingDigest: String
        /// Every file of the archive (path → bytes).
        public var files: [String: [UInt8]]
    }

    /// The key packs are signed with.
    public var signingKey: PackSigningKey

    /// Creates a builder that signs with `signingKey` (the insecure development key by default).
    public init(signingKey: PackSigningKey = .developmentKey) {
        self.signingKey = signingKey
    }

    /// Builds the pack.
    ///
    /// - Throws: ``PackError/Code/invalidSource`` naming the offending flow, component or field.
    public func build(_ input: Input) throws(PackError) -> Output {
        var meta = input.meta
        if meta.createdAtUTC.isEmpty { meta.createdAtUTC = input.builtAtUTC }
        try Self.validate(meta)
        var files: [String: [UInt8]] = [:]
        var mediaTypes: [String: String] = [:]
        func add(_ path: String, _ bytes: [UInt8], _ mediaType: String) {
            files[path] = bytes
            mediaTypes[path] = mediaType
        }

        let flows = try flowEntries(input.flows, meta: meta, add: add)
        let components = try componentEntries(input.components, add: add)
        for (path, bytes) in input.assets {
            if let problem = ArchivePath.problem(with: path) {
                throw PackError(code: .invalidSource, message: "asset `\(path)` cannot be packed: the path \(problem)")
            }
            add("assets/" + path, bytes, "application/octet-stream")
        }

        let manifest = PackManifest(meta: meta, flows: flows, components: components)
        let manifestCBOR = try manifest.cborBytes()
        add("manifest.cbor", manifestCBOR, "application/cbor")
        add("manifest.json", manifest.jsonBytes(), "application/json")
        let provenance = PackProvenance(builder: input.builder, builtAtUTC: input.builtAtUTC)
        add("provenance.json", provenance.jsonBytes(), "application/json")

        let entries = files.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { path in
            let bytes = files[path] ?? []
            return SBOM.Entry(
                path: path,
                size: UInt64(bytes.count),
                hashBLAKE3: PackSigningDigest.blake3Hex(bytes),
                mediaType: mediaTypes[path] ?? "application/octet-stream"
            )
        }
        let sbom = SBOM(files: entries)
        let sbomJSON = sbom.jsonBytes()
        files["sbom.json"] = sbomJSON

        let digest = PackSigningDigest.compute(manifestCBOR: manifestCBOR, sbomJSON: sbomJSON, entries: entries)
        let signature = PackSignature(
            signature: try signingKey.sign(digest),
            digest: digest,
            signedAtUTC: input.builtAtUTC,
            keyFingerprint: signingKey.fingerprint
        )
        files["signatures/pack.sig"] = signature.jsonBytes()
        files["signatures/chain.pem"] = Array(try signingKey.certificateChainPEM().utf8)

        let archive = try GTPackWriter.write(files)
        return Output(archive: archive, manifest: manifest, sbom: sbom, signingDigest: Hex.encode(digest), files: files)
    }

    private static func validate(_ meta: PackManifest.Meta) throws(PackError) {
        if meta.packID.trimmingASCIIWhitespace().isEmpty {
            throw PackError(code: .invalidSource, message: "pack metadata field `pack_id` is required")
        }
        if meta.name.trimmingASCIIWhitespace().isEmpty {
            throw PackError(code: .invalidSource, message: "pack metadata field `name` is required")
        }
        if !SemanticVersion.isValid(meta.version) {
            throw PackError(
                code: .invalidSource,
                message: "pack metadata field `version` is `\(meta.version)`; use a semantic version such as 0.1.0"
            )
        }
        if meta.entryFlows.isEmpty {
            throw PackError(
                code: .invalidSource,
                message: "pack metadata field `entry_flows` must name at least one flow"
            )
        }
    }

    private func flowEntries(
        _ inputs: [FlowInput],
        meta: PackManifest.Meta,
        add: (String, [UInt8], String) -> Void
    ) throws(PackError) -> [PackManifest.Flow] {
        guard !inputs.isEmpty else {
            throw PackError(code: .invalidSource, message: "a pack needs at least one flow; add a flows/*.ygtc file")
        }
        var flows: [PackManifest.Flow] = []
        for input in inputs {
            let summary = try FlowSummary(yaml: input.yaml, source: input.source)
            guard !flows.contains(where: { $0.id == summary.id }) else {
                throw PackError(
                    code: .invalidSource,
                    message: "\(input.source): flow id `\(summary.id)` is used by another flow"
                )
            }
            let yamlPath = "flows/\(summary.id)/flow.yaml"
            let jsonPath = "flows/\(summary.id)/flow.json"
            add(yamlPath, Array(summary.normalizedYAML.utf8), "application/yaml")
            add(jsonPath, summary.canonicalJSON, "application/json")
            flows.append(
                PackManifest.Flow(
                    id: summary.id,
                    kind: summary.kind,
                    entry: summary.entry,
                    fileYAML: yamlPath,
                    fileJSON: jsonPath,
                    hashBLAKE3: PackSigningDigest.blake3Hex(summary.canonicalJSON)
                )
            )
        }
        for entry in meta.entryFlows where !flows.contains(where: { $0.id == entry }) {
            throw PackError(
                code: .invalidSource,
                message:
                    "entry flow `\(entry)` is not one of the pack's flows (\(flows.map(\.id).joined(separator: ", ")))"
            )
        }
        return flows.sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
    }

    private func componentEntries(
        _ inputs: [ComponentInput],
        add: (String, [UInt8], String) -> Void
    ) throws(PackError) -> [PackManifest.Component] {
        var components: [PackManifest.Component] = []
        for input in inputs {
            if let problem = FlowSummary.identifierProblem(input.name) {
                throw PackError(code: .invalidSource, message: "component name `\(input.name)` \(problem)")
            }
            guard SemanticVersion.isValid(input.version) else {
                throw PackError(
                    code: .invalidSource,
                    message: "component `\(input.name)` has version `\(input.version)`; use a semantic version"
                )
            }
            guard input.wasm.starts(with: [0x00, 0x61, 0x73, 0x6D]) else {
                throw PackError(
                    code: .invalidSource,
                    message: "component `\(input.name)` is not a WebAssembly binary (missing the \\0asm header)"
                )
            }
            let key = "\(input.name)@\(input.version)"
            guard !components.contains(where: { $0.name == input.name && $0.version == input.version }) else {
                throw PackError(code: .invalidSource, message: "component `\(key)` is listed twice")
            }
            let wasmPath = "components/\(key)/component.wasm"
            add(wasmPath, input.wasm, "application/wasm")
            var schemaPath: String?
            if let schema = input.schemaJSON {
                schemaPath = "schemas/\(key)/node.schema.json"
                add("schemas/\(key)/node.schema.json", Array(schema.replacingCRLF().utf8), "application/schema+json")
            }
            var manifestPath: String?
            if let manifest = input.manifestJSON {
                manifestPath = "components/\(key)/manifest.json"
                add("components/\(key)/manifest.json", Array(manifest.replacingCRLF().utf8), "application/json")
            }
            components.append(
                PackManifest.Component(
                    name: input.name,
                    version: input.version,
                    fileWasm: wasmPath,
                    hashBLAKE3: PackSigningDigest.blake3Hex(input.wasm),
                    schemaFile: schemaPath,
                    manifestFile: manifestPath,
                    world: input.world,
                    capabilities: input.capabilities
                )
            )
        }
        return components.sorted {
            ($0.name, $0.version) < ($1.name, $1.version)
        }
    }
}
