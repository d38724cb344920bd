public import Foundation

/// A pack's bytes after fetching, with the index's digest pin and signature checked and the
/// file in the cache, but the archive not yet opened (see ``PackLoader/fetch(_:)``).
public struct FetchedPackFile: Sendable {
    public var entry: PackIndexEntry
    /// `sha256:<hex>` of the bytes.
    public var digest: String
    public var bytes: [UInt8]
    public var cachePath: URL
    public var fromCache: Bool

    public init(entry: PackIndexEntry, digest: String, bytes: [UInt8], cachePath: URL, fromCache: Bool) {
        self.entry = entry
        self.digest = digest
        self.bytes = bytes
        self.cachePath = cachePath
        self.fromCache = fromCache
    }
}
