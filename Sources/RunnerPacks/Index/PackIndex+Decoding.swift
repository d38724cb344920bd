internal import RunnerCore

extension PackIndex {
    /// The tenant records of either document shape.
    static func tenantRecords(_ bytes: [UInt8]) throws(PackError) -> [String: JSONValue] {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: bytes)
        } catch {
            throw PackError(code: .indexInvalid, message: "the pack index is not valid JSON: \(error)", cause: error)
        }
        guard case .object(let top) = document else {
            throw PackError(
                code: .indexInvalid,
                message: "the pack index must be a JSON object mapping tenant ids to {main_pack, overlays}"
            )
        }
        if case .object(let wrapped)? = top["tenants"], wrapped["main_pack"] == nil {
            return wrapped
        }
        return top
    }

    /// One tenant's packs.
    static func tenantPacks(
        _ tenant: String,
        _ record: JSONValue,
        base: PackLocator.Base,
        packSource: String?
    ) throws(PackError) -> TenantPacks {
        guard !tenant.isEmpty else {
            throw PackError(code: .indexInvalid, message: "the pack index has a tenant with an empty id")
        }
        let reader = try JSONObjectReader(record, context: "tenant `\(tenant)`", code: .indexInvalid)
        guard let main = reader.members["main_pack"], !main.isNull else {
            throw reader.error("main_pack", "is required")
        }
        let mainEntry = try entry(main, context: "tenant `\(tenant)` main_pack", base: base, packSource: packSource)
        var overlays: [PackIndexEntry] = []
        if let value = reader.members["overlays"], !value.isNull {
            guard case .array(let items) = value else { throw reader.error("overlays", "must be an array") }
            for (offset, item) in items.enumerated() {
                overlays.append(
                    try entry(
                        item,
                        context: "tenant `\(tenant)` overlays[\(offset)]",
                        base: base,
                        packSource: packSource
                    )
                )
            }
        }
        return TenantPacks(tenant: tenant, main: mainEntry, overlays: overlays)
    }

    /// One pack entry, in the flat or the wrapper spelling.
    static func entry(
        _ value: JSONValue,
        context: String,
        base: PackLocator.Base,
        packSource: String?
    ) throws(PackError) -> PackIndexEntry {
        let reader = try JSONObjectReader(value, context: context, code: .indexInvalid)
        var referenceName: String?
        var referenceVersion: String?
        if let reference = reader.members["reference"], !reference.isNull {
            let inner = try JSONObjectReader(reference, context: "\(context) reference", code: .indexInvalid)
            referenceName = try inner.optionalString("name")
            referenceVersion = try inner.optionalString("version")
        }
        let name = try agreeing(reader, "name", try reader.optionalString("name"), "reference.name", referenceName)
        let version = try agreeing(
            reader,
            "version",
            try reader.optionalString("version"),
            "reference.version",
            referenceVersion
        )
        let locatorText = try agreeing(
            reader,
            "locator",
            try reader.optionalString("locator"),
            "path",
            try reader.optionalString("path")
        )
        guard let name, !name.isEmpty else {
            throw reader.error("name", "is required (or `reference.name`)")
        }
        guard let locatorText else {
            throw reader.error("locator", "is required (or `path`)")
        }
        if let version, !SemanticVersion.isValid(version) {
            throw reader.error("version", "is `\(version)`, which is not a semantic version such as 1.2.3")
        }
        let digest = try reader.optionalString("digest")
        if let digest {
            let parts = digest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw reader.error("digest", "is `\(digest)`; write it as sha256:<hex>")
            }
        }
        guard version != nil || digest != nil else {
            throw PackError(
                code: .indexInvalid,
                message: "\(context): pack entry is missing version or digest pin; add `version` or `digest`"
            )
        }
        let locator: PackLocator
        do {
            locator = try PackLocator(parsing: locatorText, base: base, packSource: packSource)
        } catch {
            throw PackError(code: error.code, message: "\(context) field `locator`: \(error.message)", cause: error)
        }
        return PackIndexEntry(
            name: name,
            version: version,
            digest: digest,
            locator: locator,
            signature: try reader.optionalString("signature")
        )
    }

    /// `first` or `second` (two spellings of one field); an error if both are given and differ.
    private static func agreeing(
        _ reader: JSONObjectReader,
        _ firstName: String,
        _ first: String?,
        _ secondName: String,
        _ second: String?
    ) throws(PackError) -> String? {
        if let first, let second, first != second {
            throw reader.error(firstName, "is `\(first)` but `\(secondName)` is `\(second)`; give one of them")
        }
        return first ?? second
    }
}
