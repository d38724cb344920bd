internal import Foundation
public import Logging
internal import Synchronization

/// Resolves one index entry into a verified pack: cache lookup for a pinned digest, fetch
/// through the resolver registry (conditional on the last entity tag), SHA-256 digest check,
/// index signature check with `PACK_PUBLIC_KEY`, content-addressed caching, then archive
/// verification under the ``VerificationPolicy`` (reference §3).
///
/// A pinned digest whose file is in the cache is served without calling the resolver, so a
/// restart does not download anything. Every rejection is a ``PackError`` whose message names
/// the pack.
public struct PackLoader: Sendable {
    /// What the loader enforces.
    public struct Configuration: Sendable {
        /// The in-archive signer policy (``VerificationPolicy/select(verifyStrict:publicKey:)``).
        public var policy: VerificationPolicy
        /// `PACK_PUBLIC_KEY`, if configured: every entry must then carry a valid `signature`.
        public var indexKey: IndexVerificationKey?
        /// Archive size limits, also the fetch limit.
        public var limits: PackReader.Limits

        /// Creates a configuration.
        public init(
            policy: VerificationPolicy = .devOK,
            indexKey: IndexVerificationKey? = nil,
            limits: PackReader.Limits = .init()
        ) {
            self.policy = policy
            self.indexKey = indexKey
            self.limits = limits
        }
    }

    /// Entity tags remembered per locator target, with the digest of the bytes they named.
    private final class ETagMemo: Sendable {
        let entries = Mutex<[String: (etag: String, digest: String)]>([:])
    }

    /// The resolvers used to fetch.
    public let registry: PackResolverRegistry
    /// The cache packs are stored in.
    public let cache: PackCache
    /// The checks applied.
    public let configuration: Configuration
    private let logger: Logger
    private let etags = ETagMemo()

    /// Creates a loader.
    public init(
        registry: PackResolverRegistry = .standard(),
        cache: PackCache,
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "greentic.runner.packs")
    ) {
        self.registry = registry
        self.cache = cache
        self.configuration = configuration
        self.logger = logger
    }

    /// Resolves, checks, caches and opens the pack `entry` names: ``fetch(_:)`` then ``open(_:)``.
    ///
    /// - Throws: ``PackError``: `.notFound`/`.io`/`.locatorInvalid` from fetching,
    ///   `.digestMismatch`, `.signatureMissing`/`.indexSignatureInvalid` for the index checks,
    ///   and the archive verification codes of ``PackReader``.
    public func load(_ entry: PackIndexEntry) async throws(PackError) -> ResolvedPack {
        try await open(try await fetch(entry))
    }

    /// The cheap half of ``load(_:)``: the pack's bytes, fetched (or read from the cache for a
    /// pinned digest), with the digest pin and the index signature checked and the bytes in the
    /// cache. The archive itself is not opened, so a reloader can compare digests first and
    /// open only packs that changed. Blocking file work runs on NIO's thread pool.
    public func fetch(_ entry: PackIndexEntry) async throws(PackError) -> FetchedPackFile {
        let cache = self.cache
        if let pin = entry.digest, let hex = PackDigest.sha256Hex(pin), let cached = try await cachedBytes(for: pin) {
            // `cachedBytes` checked these bytes against the pin: no second hash or write.
            logger.debug("pack served from cache", metadata: ["pack": "\(entry.name)", "digest": "\(pin)"])
            let digest = "sha256:" + hex
            try verifyIndexSignature(of: entry, digest: digest)
            return FetchedPackFile(entry: entry, digest: digest, bytes: cached, cachePath: try cache.url(for: digest), fromCache: true)
        }
        // From the resolver, or the cached copy a `not modified` answer names: hashed and checked
        // against the pin either way.
        let (fetched, fromCache) = try await fetchFromResolver(entry)
        let (digest, stored) = try await BlockingWork.run { () throws(PackError) in
            let digest = PackDigest.sha256(of: fetched)
            try PackDigest.verify(expected: entry.digest, actual: digest, packName: entry.name)
            return (digest, try cache.store(fetched, digest: digest))
        }
        try verifyIndexSignature(of: entry, digest: digest)
        return FetchedPackFile(entry: entry, digest: digest, bytes: fetched, cachePath: stored, fromCache: fromCache)
    }

    /// With `PACK_PUBLIC_KEY`, the entry's signature over `digest` (reference §3 step 4).
    private func verifyIndexSignature(of entry: PackIndexEntry, digest: String) throws(PackError) {
        if let key = configuration.indexKey {
            try key.verify(signature: entry.signature, digest: digest, packName: entry.name)
        }
    }

    /// The cache's re-verified bytes for `digest`, read on NIO's thread pool.
    private func cachedBytes(for digest: String) async throws(PackError) -> [UInt8]? {
        let cache = self.cache
        return try await BlockingWork.run { () throws(PackError) in try cache.cachedBytes(for: digest) }
    }

    /// Verifies and opens fetched bytes under the configured policy (on NIO's thread pool:
    /// hashing every file of a large pack is CPU work).
    public func open(_ file: FetchedPackFile) async throws(PackError) -> ResolvedPack {
        let reader = PackReader(limits: configuration.limits)
        let policy = configuration.policy
        let entry = file.entry
        var loaded = try await BlockingWork.run { () throws(PackError) in
            do throws(PackError) {
                return try reader.open(file.bytes, policy: policy)
            } catch {
                throw PackError(code: error.code, message: "pack \(entry.name): \(error.message)", cause: error)
            }
        }
        if let version = entry.version, version != loaded.manifest.meta.version {
            loaded.report.warnings.append(
                "the index pins \(entry.name) to version \(version) but the pack's manifest says \(loaded.manifest.meta.version)"
            )
        }
        logger.debug(
            "pack verified",
            metadata: ["pack": "\(entry.name)", "digest": "\(file.digest)", "policy": "\(configuration.policy)"]
        )
        return ResolvedPack(entry: entry, digest: file.digest, cachePath: file.cachePath, loaded: loaded, fromCache: file.fromCache)
    }

    /// A pack read back from the cache by digest alone and verified under the policy, or `nil`
    /// when the cache no longer holds it: how the host brings back a version the index no
    /// longer names (a conversation paused on it, then a restart).
    ///
    /// The index signature cannot be checked again (the entry that carried it is gone); the
    /// caller passes a digest it recorded itself when it served that pack, and the archive's
    /// own signature is verified as for any pack.
    ///
    /// - Parameter name: How messages name the pack.
    public func openCached(digest: String, name: String) async throws(PackError) -> ResolvedPack? {
        let url = try cache.url(for: digest)
        guard let bytes = try await cachedBytes(for: digest) else { return nil }
        let entry = PackIndexEntry(name: name, digest: digest, locator: try PackLocator(parsing: url.path))
        // `url(for:)` accepted it, so it is `sha256:<64 hex>` in some case.
        return try await open(FetchedPackFile(entry: entry, digest: digest.lowercased(), bytes: bytes, cachePath: url, fromCache: true))
    }

    private func fetchFromResolver(_ entry: PackIndexEntry) async throws(PackError) -> ([UInt8], Bool) {
        let key = entry.locator.target
        let remembered = etags.entries.withLock { $0[key] }
        let request = PackFetchRequest(
            locator: entry.locator,
            previousETag: remembered?.etag,
            maxBytes: configuration.limits.maxArchiveBytes
        )
        switch try await registry.fetch(request) {
        case .fetched(let fetched):
            if let etag = fetched.etag {
                let digest = PackDigest.sha256(of: fetched.bytes)
                etags.entries.withLock { $0[key] = (etag, digest) }
            }
            return (fetched.bytes, false)
        case .notModified:
            if let remembered, let cached = try await cachedBytes(for: remembered.digest) {
                return (cached, true)
            }
            etags.entries.withLock { $0[key] = nil }
            var unconditional = request
            unconditional.previousETag = nil
            guard case .fetched(let fetched) = try await registry.fetch(unconditional) else {
                throw PackError(
                    code: .io,
                    message: "the resolver for \(entry.locator) answered `not modified` to an unconditional request "
                        + "for pack \(entry.name)"
                )
            }
            return (fetched.bytes, false)
        }
    }
}
