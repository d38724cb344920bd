public import Foundation
internal import RunnerCore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A content-addressed store of fetched packs: `<root>/sha256/<hex>.gtpack`.
///
/// Files are named by the SHA-256 of their bytes, written to a temporary file in the same
/// directory and renamed into place (atomic on POSIX), re-hashed whenever they are read (a
/// corrupt file is deleted so the caller fetches again), and touched on use so that
/// ``evict(keeping:)`` can drop the least recently used versions first. Safe to share between
/// processes: readers only ever see complete files.
///
/// Not a verifier: a cached file is only known to have the right digest; ``PackLoader`` still
/// opens it with ``PackReader``.
public struct PackCache: Sendable {
    /// The cache root (`PACK_CACHE_DIR`, default `.packs`).
    public let root: URL
    /// Total size the cache may keep after eviction; entries in use are kept regardless.
    public let maxTotalBytes: Int64

    /// Creates a cache rooted at `root`.
    public init(root: URL = URL(fileURLWithPath: ".packs"), maxTotalBytes: Int64 = 1 << 30) {
        self.root = root
        self.maxTotalBytes = maxTotalBytes
    }

    /// A cached pack.
    public struct Entry: Sendable, Hashable {
        /// `sha256:<hex>`.
        public var digest: String
        /// File location.
        public var url: URL
        /// Size in bytes.
        public var size: Int64
        /// Last use (the file's modification date).
        public var lastUsed: Date
    }

    private var directory: URL { root.appendingPathComponent("sha256", isDirectory: true) }

    /// Where the pack with `digest` (`sha256:<hex>`, any case) is stored.
    ///
    /// - Throws: ``PackError/Code/digestMismatch`` if `digest` is not a SHA-256 digest.
    public func url(for digest: String) throws(PackError) -> URL {
        guard let hex = PackDigest.sha256Hex(digest) else {
            throw PackError(
                code: .digestMismatch,
                message: "the cache is keyed by sha256:<64 hex> digests; `\(digest)` is not one"
            )
        }
        return directory.appendingPathComponent(hex + ".gtpack")
    }

    /// The cached bytes for `digest`, re-verified, or `nil` if absent or corrupt (a corrupt
    /// file is removed). Marks the entry as used.
    public func cachedBytes(for digest: String) throws(PackError) -> [UInt8]? {
        let url = try url(for: digest)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = try? Data(contentsOf: url) else { return nil }
        let bytes = Array(data)
        guard PackDigest.matches(expected: digest, actual: PackDigest.sha256(of: bytes)) else {
            try? FileManager.default.removeItem(at: url)
            return nil
        }
        touch(url)
        return bytes
    }

    /// Stores `bytes` under their digest (atomically; an existing identical file is reused).
    ///
    /// - Returns: The digest (`sha256:<hex>`) and the file's location.
    /// - Throws: ``PackError/Code/io`` if the cache directory cannot be written.
    @discardableResult
    public func store(_ bytes: [UInt8]) throws(PackError) -> (digest: String, url: URL) {
        let digest = PackDigest.sha256(of: bytes)
        return (digest, try store(bytes, digest: digest))
    }

    /// ``store(_:)`` for bytes whose digest the caller already computed.
    @discardableResult
    public func store(_ bytes: [UInt8], digest: String) throws(PackError) -> URL {
        let destination = try url(for: digest)
        if let attributes = try? FileManager.default.attributesOfItem(atPath: destination.path),
            (attributes[.size] as? NSNumber)?.intValue == bytes.count,
            let existing = try? Data(contentsOf: destination), PackDigest.sha256(of: Array(existing)) == digest
        {
            touch(destination)
            return destination
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let temporary = directory.appendingPathComponent(".tmp-\(UUID().uuidString)")
            try Data(bytes).write(to: temporary)
            guard rename(temporary.path, destination.path) == 0 else {
                let code = errno
                try? FileManager.default.removeItem(at: temporary)
                throw PackError.io("cannot move a pack into the cache at \(destination.path) (errno \(code))")
            }
        } catch let error as PackError {
            throw error
        } catch {
            throw PackError.io("cannot write to the pack cache at \(directory.path): \(error)", cause: error)
        }
        return destination
    }

    /// The cached packs, least recently used first.
    public func entries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var entries: [Entry] = []
        for name in names where name.hasSuffix(".gtpack") {
            let hex = String(name.dropLast(7))
            guard hex.utf8.count == 64, Hex.isHex(hex) else { continue }
            let url = directory.appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { continue }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let date = attributes[.modificationDate] as? Date ?? .distantPast
            entries.append(Entry(digest: "sha256:" + hex, url: url, size: size, lastUsed: date))
        }
        return entries.sorted { ($0.lastUsed, $0.digest) < ($1.lastUsed, $1.digest) }
    }

    /// Removes packs not in `keeping`, least recently used first, until the cache holds at most
    /// ``maxTotalBytes``; packs in `keeping` are never removed. Also deletes temporary files
    /// left over by interrupted writes (older than ten minutes).
    ///
    /// - Parameter digests: The digests in use (`sha256:<hex>`, any case).
    /// - Returns: The digests removed.
    @discardableResult
    public func evict(keeping digests: Set<String>) -> [String] {
        let keep = Set(digests.map { $0.lowercased() })
        removeStaleTemporaryFiles()
        let all = entries()
        var total = all.reduce(Int64(0)) { $0 + $1.size }
        var removed: [String] = []
        for entry in all where total > maxTotalBytes && !keep.contains(entry.digest) {
            guard (try? FileManager.default.removeItem(at: entry.url)) != nil else { continue }
            total -= entry.size
            removed.append(entry.digest)
        }
        return removed
    }

    private func removeStaleTemporaryFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let cutoff = Date().addingTimeInterval(-600)
        for name in names where name.hasPrefix(".tmp-") {
            let url = directory.appendingPathComponent(name)
            let date = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
            if let date, date < cutoff {
                try? FileManager.default.removeItem(at: url)
            }
        }
    }

    private func touch(_ url: URL) {
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
    }
}
