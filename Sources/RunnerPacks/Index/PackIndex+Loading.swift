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
        let base = try base(forIndexLocation: location)
        guard case .directory(let directory) = base else {
            throw PackError(
                code: .locatorInvalid,
                message: "PACK_INDEX_URL `\(location)`: remote indexes are not supported in this release"
            )
        }
        let trimmed = location.trimmingASCIIWhitespace()
        let path = trimmed.lowercased().hasPrefix("file://") ? (URL(string: trimmed)?.path ?? trimmed) : trimmed
        let file =
            path.hasPrefix("/")
            ? URL(fileURLWithPath: path) : directory.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
        let bytes = try await BlockingWork.run { () throws(PackError) in
            do {
                return Array(try Data(contentsOf: file))
            } catch {
                let exists = FileManager.default.fileExists(atPath: file.path)
                throw PackError(code: exists ? .io : .notFound, message: "cannot read the pack index at \(file.path)", cause: error)
            }
        }
        return try parseIsolatingTenants(bytes, base: base, packSource: packSource)
    }
}
