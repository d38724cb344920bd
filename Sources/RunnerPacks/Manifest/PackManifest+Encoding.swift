internal import RunnerCore

extension PackManifest {
    /// The `manifest.cbor` bytes: the self-describe tag 55799 (`d9 d9 f7`) followed by the
    /// manifest as a CBOR map (keys in declaration order, nested free-form maps sorted).
    ///
    /// - Throws: ``PackError/Code/invalidManifest`` if a value cannot be encoded.
    public func cborBytes() throws(PackError) -> [UInt8] {
        do {
            return try CBOREncoder().encodeValue(self).encodedSelfDescribed()
        } catch {
            throw PackError(
                code: .invalidManifest,
                message: "the manifest cannot be encoded as CBOR: \(error)",
                cause: error
            )
        }
    }

    /// Decodes `manifest.cbor` bytes (with or without the self-describe tag).
    ///
    /// - Throws: ``PackError/Code/invalidManifest`` naming the problem.
    public init(cbor bytes: [UInt8]) throws(PackError) {
        do {
            self = try CBORDecoder().decode(PackManifest.self, from: bytes)
        } catch {
            throw PackError(
                code: .invalidManifest,
                message: "manifest.cbor does not decode as a pack manifest (\(error)); rebuild the pack",
                cause: error
            )
        }
    }

    /// The `manifest.json` bytes: pretty JSON (two-space indent) with members in declaration
    /// order, `null` for absent optionals, as `serde_json::to_vec_pretty` writes the manifest.
    public func jsonBytes() -> [UInt8] {
        orderedJSON.prettyBytes()
    }

    var orderedJSON: OrderedJSON {
        .object([
            ("meta", meta.orderedJSON),
            ("flows", .array(flows.map(\.orderedJSON))),
            ("components", .array(components.map(\.orderedJSON))),
        ])
    }
}

extension PackManifest.Meta {
    var orderedJSON: OrderedJSON {
        .object([
            ("pack_id", .string(packID)),
            ("version", .string(version)),
            ("name", .string(name)),
            ("description", .optionalString(description)),
            ("authors", .array(authors.map { .string($0) })),
            ("license", .optionalString(license)),
            (
                "imports",
                .array(
                    imports.map { .object([("pack_id", .string($0.packID)), ("version_req", .string($0.versionReq))]) }
                )
            ),
            ("entry_flows", .array(entryFlows.map { .string($0) })),
            ("created_at_utc", .string(createdAtUTC)),
            ("annotations", .value(.object(annotations))),
        ])
    }
}

extension PackManifest.Flow {
    var orderedJSON: OrderedJSON {
        .object([
            ("id", .string(id)),
            ("kind", .string(kind)),
            ("entry", .string(entry)),
            ("file_yaml", .string(fileYAML)),
            ("file_json", .string(fileJSON)),
            ("hash_blake3", .string(hashBLAKE3)),
        ])
    }
}

extension PackManifest.Component {
    var orderedJSON: OrderedJSON {
        .object([
            ("name", .string(name)),
            ("version", .string(version)),
            ("file_wasm", .string(fileWasm)),
            ("hash_blake3", .string(hashBLAKE3)),
            ("schema_file", .optionalString(schemaFile)),
            ("manifest_file", .optionalString(manifestFile)),
            ("world", .optionalString(world)),
            ("capabilities", .value(capabilities ?? .null)),
        ])
    }
}
