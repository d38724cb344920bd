public import Foundation
internal import RunnerCore

/// A pack source folder on disk, and how it becomes a ``PackBuilder/Input``.
///
/// Layout:
/// - `pack.yaml`: `pack_id`, `name`, `version`, and optionally `description`, `authors`,
///   `license`, `entry_flows` (default: every flow), `created_at_utc` (default: the build
///   time), `imports`, `annotations`. Unknown keys are ignored.
/// - `flows/*.ygtc`: one flow each (other files there are ignored).
/// - `components/<name>/`: exactly one of `component.wasm` or `component.wat` (compiled by the
///   injected `compileWAT`), plus optional `component.yaml` (`version`, default the pack's;
///   `world`; `capabilities`), `node.schema.json` and `manifest.json`.
/// - `assets/**`: optional extra files, stored under `assets/`.
///
/// The build time is `SOURCE_DATE_EPOCH` when given (passed in, never read from the
/// environment here), else 1980-01-01T00:00:00Z, so two builds of one folder are identical.
public struct PackSource: Sendable {
    /// The folder.
    public let directory: URL

    /// Names the source folder at `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// Reads the folder.
    ///
    /// - Parameters:
    ///   - sourceDateEpoch: The `SOURCE_DATE_EPOCH` value (decimal seconds), if set.
    ///   - builder: The builder recorded in `provenance.json`.
    ///   - compileWAT: Compiles WebAssembly text to a binary module (the CLI passes WasmKit's).
    /// - Throws: ``PackError/Code/invalidSource`` naming the file and field at fault,
    ///   ``PackError/Code/notFound`` if `pack.yaml` is missing.
    public func load(
        sourceDateEpoch: String? = nil,
        builder: String = PackBuilder.defaultBuilder,
        compileWAT: (String) throws -> [UInt8]
    ) throws(PackError) -> PackBuilder.Input {
        let builtAt = try Self.buildTimestamp(sourceDateEpoch: sourceDateEpoch)
        let packFile = directory.appendingPathComponent("pack.yaml")
        guard FileManager.default.fileExists(atPath: packFile.path) else {
            throw PackError(
                code: .notFound,
                message: "\(packFile.path) does not exist; a pack source folder needs a pack.yaml"
            )
        }
        let reader = try JSONObjectReader(
            try Self.yaml(at: packFile),
            context: "pack.yaml",
            code: .invalidSource
        )
        let flows = try flowInputs()
        var flowIDs: [String] = []
        for flow in flows {
            flowIDs.append(try FlowSummary(yaml: flow.yaml, source: flow.source).id)
        }
        let meta = PackManifest.Meta(
            packID: try reader.string("pack_id"),
            version: try reader.string("version"),
            name: try reader.string("name"),
            description: try reader.optionalString("description"),
            authors: try reader.optionalStringArray("authors") ?? [],
            license: try reader.optionalString("license"),
            imports: try Self.imports(reader),
            entryFlows: try reader.optionalStringArray("entry_flows") ?? flowIDs.sorted(),
            createdAtUTC: try reader.optionalString("created_at_utc") ?? builtAt,
            annotations: try Self.annotations(reader)
        )
        return PackBuilder.Input(
            meta: meta,
            flows: flows,
            components: try componentInputs(packVersion: meta.version, compileWAT: compileWAT),
            assets: try assets(),
            builtAtUTC: builtAt,
            builder: builder
        )
    }

    /// The RFC 3339 build time for `sourceDateEpoch`, or the ZIP epoch when it is `nil`.
    ///
    /// - Throws: ``PackError/Code/invalidSource`` if the value is not decimal seconds.
    public static func buildTimestamp(sourceDateEpoch: String?) throws(PackError) -> String {
        guard let sourceDateEpoch else { return UTCTimestamp.zipEpoch }
        guard let seconds = UTCTimestamp.parseEpoch(sourceDateEpoch) else {
            throw PackError(
                code: .invalidSource,
                message: "SOURCE_DATE_EPOCH is `\(sourceDateEpoch)`; it must be a whole number of seconds since 1970"
            )
        }
        return UTCTimestamp.format(epochSeconds: seconds)
    }

    private func flowInputs() throws(PackError) -> [PackBuilder.FlowInput] {
        let folder = directory.appendingPathComponent("flows")
        return try Self.children(of: folder).filter { $0.hasSuffix(".ygtc") }.map { (name) throws(PackError) in
            PackBuilder.FlowInput(yaml: try Self.text(at: folder.appendingPathComponent(name)), source: "flows/\(name)")
        }
    }

    private func componentInputs(
        packVersion: String,
        compileWAT: (String) throws -> [UInt8]
    ) throws(PackError) -> [PackBuilder.ComponentInput] {
        let folder = directory.appendingPathComponent("components")
        var components: [PackBuilder.ComponentInput] = []
        for name in try Self.children(of: folder) {
            let componentFolder = folder.appendingPathComponent(name)
            guard Self.isDirectory(componentFolder) else { continue }
            let files = Set(try Self.children(of: componentFolder))
            let label = "components/\(name)"
            let wasm: [UInt8]
            switch (files.contains("component.wasm"), files.contains("component.wat")) {
            case (true, false):
                wasm = try Self.bytes(at: componentFolder.appendingPathComponent("component.wasm"))
            case (false, true):
                let source = try Self.text(at: componentFolder.appendingPathComponent("component.wat"))
                do {
                    wasm = try compileWAT(source)
                } catch {
                    throw PackError(
                        code: .invalidSource,
                        message: "\(label)/component.wat does not compile: \(error)",
                        cause: error
                    )
                }
            case (true, true):
                throw PackError(
                    code: .invalidSource,
                    message: "\(label) has both component.wasm and component.wat; keep exactly one of them"
                )
            case (false, false):
                throw PackError(
                    code: .invalidSource,
                    message: "\(label) has neither component.wasm nor component.wat; add one"
                )
            }
            var component = PackBuilder.ComponentInput(name: name, version: packVersion, wasm: wasm)
            if files.contains("component.yaml") {
                let reader = try JSONObjectReader(
                    try Self.yaml(at: componentFolder.appendingPathComponent("component.yaml")),
                    context: "\(label)/component.yaml",
                    code: .invalidSource
                )
                component.version = try reader.optionalString("version") ?? packVersion
                component.world = try reader.optionalString("world")
                if let capabilities = reader.members["capabilities"], !capabilities.isNull {
                    component.capabilities = capabilities
                }
            }
            if files.contains("node.schema.json") {
                component.schemaJSON = try Self.text(at: componentFolder.appendingPathComponent("node.schema.json"))
            }
            if files.contains("manifest.json") {
                component.manifestJSON = try Self.text(at: componentFolder.appendingPathComponent("manifest.json"))
            }
            components.append(component)
        }
        return components
    }

    private func assets() throws(PackError) -> [String: [UInt8]] {
        let root = directory.appendingPathComponent("assets")
        guard Self.isDirectory(root) else { return [:] }
        var assets: [String: [UInt8]] = [:]
        var pending = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? root : root.appendingPathComponent(relative)
            for name in try Self.children(of: folder) {
                let path = relative.isEmpty ? name : relative + "/" + name
                let url = root.appendingPathComponent(path)
                let values = try? url.resourceValues(forKeys: [.isSymbolicLinkKey, .isDirectoryKey, .isRegularFileKey])
                if values?.isSymbolicLink == true {
                    throw PackError(
                        code: .invalidSource,
                        message: "assets/\(path) is a symbolic link; copy the file instead"
                    )
                } else if values?.isDirectory == true {
                    pending.append(path)
                } else if values?.isRegularFile == true {
                    assets[path] = try Self.bytes(at: url)
                }
            }
        }
        return assets
    }

    private static func imports(_ reader: JSONObjectReader) throws(PackError) -> [PackManifest.Import] {
        guard let value = reader.members["imports"], !value.isNull else { return [] }
        guard case .array(let items) = value else { throw reader.error("imports", "must be a list") }
        var imports: [PackManifest.Import] = []
        for (index, item) in items.enumerated() {
            let entry = try JSONObjectReader(item, context: "pack.yaml imports[\(index)]", code: .invalidSource)
            imports.append(
                PackManifest.Import(packID: try entry.string("pack_id"), versionReq: try entry.string("version_req"))
            )
        }
        return imports
    }

    private static func annotations(_ reader: JSONObjectReader) throws(PackError) -> [String: JSONValue] {
        guard let value = reader.members["annotations"], !value.isNull else { return [:] }
        guard case .object(let members) = value else { throw reader.error("annotations", "must be a mapping") }
        return members
    }
}
