/// One pack named by the index: a tenant's main pack or one of its overlays.
public struct PackIndexEntry: Sendable, Hashable {
    /// The pack name (used in messages and as the cache's label).
    public var name: String
    /// The semver pin, if any.
    public var version: String?
    /// The `algo:value` digest pin of the whole file (normally `sha256:<hex>`), if any.
    public var digest: String?
    /// Where the pack is.
    public var locator: PackLocator
    /// Base64 Ed25519 signature over the digest string, checked when `PACK_PUBLIC_KEY` is set.
    public var signature: String?

    /// Creates an entry.
    public init(
        name: String,
        version: String? = nil,
        digest: String? = nil,
        locator: PackLocator,
        signature: String? = nil
    ) {
        self.name = name
        self.version = version
        self.digest = digest
        self.locator = locator
        self.signature = signature
    }

    /// The version the entry pins: ``version``, or the digest when only a digest is given
    /// (the original's `PackVersion::Digest`).
    public var pinnedVersion: String? {
        version ?? digest
    }
}

/// The packs of one tenant: the main pack, then overlays applied in order (later flows replace
/// same-id flows).
public struct TenantPacks: Sendable, Hashable {
    /// The tenant id (the index key).
    public var tenant: String
    /// The main pack.
    public var main: PackIndexEntry
    /// Overlay packs, in order.
    public var overlays: [PackIndexEntry]

    /// Creates a tenant record.
    public init(tenant: String, main: PackIndexEntry, overlays: [PackIndexEntry] = []) {
        self.tenant = tenant
        self.main = main
        self.overlays = overlays
    }

    /// The main pack followed by the overlays.
    public var allEntries: [PackIndexEntry] { [main] + overlays }
}
