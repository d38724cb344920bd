public import Foundation

/// A pack that was fetched (or found in the cache), digest- and signature-checked, cached and
/// verified: what the host builds a tenant runtime from.
public struct ResolvedPack: Sendable {
    /// The index entry it was resolved for.
    public var entry: PackIndexEntry
    /// `sha256:<hex>` of the pack file.
    public var digest: String
    /// Where the verified file is cached.
    public var cachePath: URL
    /// The verified contents.
    public var loaded: LoadedPack
    /// Whether the bytes came from the cache without calling the resolver.
    public var fromCache: Bool

    /// Creates a resolved pack.
    public init(entry: PackIndexEntry, digest: String, cachePath: URL, loaded: LoadedPack, fromCache: Bool) {
        self.entry = entry
        self.digest = digest
        self.cachePath = cachePath
        self.loaded = loaded
        self.fromCache = fromCache
    }
}
