/// Fetches pack bytes for a locator: the seam where file, HTTP, OCI, S3, GCS and Azure
/// resolvers plug in.
///
/// A resolver handles the schemes it is registered for in ``PackResolverRegistry`` and must
/// respect ``PackFetchRequest/maxBytes``. Remote resolvers should send
/// ``PackFetchRequest/previousETag`` as `If-None-Match` and answer ``PackFetchResult/notModified``
/// on 304, so an unchanged pack is not downloaded on every reload.
public protocol PackResolver: Sendable {
    /// Fetches the pack `request` names.
    ///
    /// - Throws: ``PackError`` — `.notFound` when nothing is at the locator, `.tooLarge` past
    ///   `maxBytes`, `.io` for transport or file-system failures, `.locatorInvalid` for a
    ///   locator the resolver cannot handle.
    func fetch(_ request: PackFetchRequest) async throws(PackError) -> PackFetchResult
}

/// What to fetch.
public struct PackFetchRequest: Sendable, Hashable {
    /// The pack's location.
    public var locator: PackLocator
    /// The entity tag of the copy fetched last time, for a conditional request.
    public var previousETag: String?
    /// The most bytes to accept (the archive limit).
    public var maxBytes: Int

    /// Creates a request.
    public init(locator: PackLocator, previousETag: String? = nil, maxBytes: Int = 64 << 20) {
        self.locator = locator
        self.previousETag = previousETag
        self.maxBytes = maxBytes
    }
}

/// The outcome of a fetch.
public enum PackFetchResult: Sendable, Hashable {
    /// The pack's bytes.
    case fetched(FetchedPack)
    /// The pack has not changed since ``PackFetchRequest/previousETag``.
    case notModified
}

/// Pack bytes as fetched, with the validator for the next conditional request.
public struct FetchedPack: Sendable, Hashable {
    /// The whole `.gtpack` file.
    public var bytes: [UInt8]
    /// The entity tag, when the source has one (HTTP `ETag`).
    public var etag: String?

    /// Creates a fetched pack.
    public init(bytes: [UInt8], etag: String? = nil) {
        self.bytes = bytes
        self.etag = etag
    }
}
