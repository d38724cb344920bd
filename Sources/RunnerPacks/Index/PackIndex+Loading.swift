internal import Foundation

extension PackIndex {
    /// Reads the index at `PACK_INDEX_URL` (a path or a `file://` URL) off the caller's thread
    /// and parses it tenant by tenant, resolving relative locators against the index's folder.
    ///
    /// - Returns: the valid tenants and an error per rejected tenant (see
    ///   ``parseIsolatingTenants(_:base:packSource:)``).
    /// - Throws: ``PackError`` when the location is invalid or the file cannot be read; remote
    ///   (`http(s)://`) indexes come with the remote resolvers of a later release.
    public static func load(
        location: String,
        packSource: String? = nil
    ) async throws(PackError) -> (
        index: PackIndex, rejected: [String: PackError]
    ) {
        guard let file = try localIndexFile(location) else {
            _ = try base(forIndexLocation: location)  // a malformed URL is reported as such
            throw PackError(
                code: .locatorInvalid,
                message: "PACK_INDEX_URL `\(location)`: remote indexes are not supported in this release"
            )
        }
        let bytes = try await BlockingWork.run { () throws(PackError) in try readIndexFile(file) }
        let base = PackLocator.Base.directory(file.deletingLastPathComponent())
        return try parseIsolatingTenants(bytes, base: base, packSource: packSource)
    }
}
