internal import Foundation

/// The pack index (`PACK_INDEX_URL`): which packs each tenant runs (reference §2).
///
/// Two document shapes are accepted and map onto the same model:
/// - the flat form the original parses, `{"<tenant>": {"main_pack": {...}, "overlays": [...]}}`;
/// - the brief's wrapper, `{"tenants": {"<tenant>": {...}}}`, whose entries may also say
///   `reference: {name, version}` instead of `name`/`version` and `path` instead of `locator`.
///
/// An entry needs `name`, `locator` and at least one of `version` (strict semver) or `digest`
/// (`algo:value`); `signature` is optional; unknown fields are ignored. Anything else is
/// rejected with ``PackError/Code/indexInvalid`` naming the tenant and the field.
public struct PackIndex: Sendable, Hashable {
    /// The tenants, by id.
    public var tenants: [String: TenantPacks]

    /// Creates an index.
    public init(tenants: [String: TenantPacks]) {
        self.tenants = tenants
    }

    /// The tenant ids in sorted order.
    public var tenantIDs: [String] { tenants.keys.sorted() }

    /// Parses an index document; relative locators are resolved against `base`.
    ///
    /// - Parameters:
    ///   - bytes: The JSON document.
    ///   - base: Where the index came from (see ``PackLocator/Base``).
    ///   - packSource: The `PACK_SOURCE` value, if set.
    /// - Throws: ``PackError/Code/indexInvalid`` (or ``PackError/Code/locatorInvalid``) for the
    ///   first bad tenant in sorted order, naming the tenant and the field.
    public init(parsing bytes: [UInt8], base: PackLocator.Base = .none, packSource: String? = nil) throws(PackError) {
        let (index, rejected) = try Self.parseIsolatingTenants(bytes, base: base, packSource: packSource)
        if let tenant = rejected.keys.sorted().first, let error = rejected[tenant] {
            throw error
        }
        self = index
    }

    /// Reads and parses the index file at `path` (relative paths are taken from the working
    /// directory); locators are resolved against the file's directory.
    ///
    /// - Throws: ``PackError/Code/notFound`` or ``PackError/Code/io`` if the file cannot be read,
    ///   else as ``init(parsing:base:packSource:)``.
    public init(contentsOfFile path: String, packSource: String? = nil) throws(PackError) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        try self.init(parsing: try Self.readIndexFile(url), base: .directory(url.deletingLastPathComponent()), packSource: packSource)
    }

    /// The bytes of the index file at `url`.
    ///
    /// - Throws: ``PackError/Code/notFound`` if there is no such file, ``PackError/Code/io`` if
    ///   it cannot be read.
    static func readIndexFile(_ url: URL) throws(PackError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw PackError(code: exists ? .io : .notFound, message: "cannot read the pack index at \(url.path)", cause: error)
        }
    }

    /// The base for relative locators of the index at `location` (`PACK_INDEX_URL`): its directory
    /// for a bare path (relative to the working directory) or a `file://` URL, the URL itself for
    /// `http(s)://`.
    ///
    /// - Throws: ``PackError/Code/locatorInvalid`` for an empty value, another scheme, or a
    ///   malformed URL.
    public static func base(forIndexLocation location: String) throws(PackError) -> PackLocator.Base {
        if let file = try localIndexFile(location) {
            return .directory(file.deletingLastPathComponent())
        }
        let trimmed = location.trimmingASCIIWhitespace()
        guard let url = URL(string: trimmed), url.host != nil else {
            throw PackError(code: .locatorInvalid, message: "PACK_INDEX_URL `\(trimmed)` is not a valid URL")
        }
        return .url(url)
    }

    /// The index file a local `PACK_INDEX_URL` names (a bare path, relative to the working
    /// directory, or a `file://` URL), absolute and standardized; `nil` for `http(s)://`.
    ///
    /// - Throws: ``PackError/Code/locatorInvalid`` for an empty value, another scheme, or a
    ///   malformed `file://` URL.
    static func localIndexFile(_ location: String) throws(PackError) -> URL? {
        let trimmed = location.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else {
            throw PackError(code: .locatorInvalid, message: "PACK_INDEX_URL is empty; give a path or an http(s) URL")
        }
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            return nil
        }
        var path = trimmed
        if lowered.hasPrefix("file://") {
            guard let url = URL(string: trimmed), url.isFileURL, url.host == nil || url.host == "" else {
                throw PackError(code: .locatorInvalid, message: "PACK_INDEX_URL `\(trimmed)` is not a file:/// URL")
            }
            path = url.path
        } else if trimmed.contains("://") {
            throw PackError(
                code: .locatorInvalid,
                message: "PACK_INDEX_URL `\(trimmed)` must be a path, a file:// URL or an http(s):// URL"
            )
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL
    }

    /// Parses an index document, keeping the good tenants when some are malformed, so one bad
    /// tenant does not block the others.
    ///
    /// - Returns: the index of valid tenants, and an error per rejected tenant.
    /// - Throws: ``PackError/Code/indexInvalid`` only when the document as a whole is unusable
    ///   (not JSON, not an object).
    public static func parseIsolatingTenants(
        _ bytes: [UInt8],
        base: PackLocator.Base = .none,
        packSource: String? = nil
    ) throws(PackError) -> (index: PackIndex, rejected: [String: PackError]) {
        let records = try tenantRecords(bytes)
        var tenants: [String: TenantPacks] = [:]
        var rejected: [String: PackError] = [:]
        for (tenant, record) in records {
            do {
                tenants[tenant] = try tenantPacks(tenant, record, base: base, packSource: packSource)
            } catch {
                rejected[tenant] = error
            }
        }
        return (PackIndex(tenants: tenants), rejected)
    }
}
