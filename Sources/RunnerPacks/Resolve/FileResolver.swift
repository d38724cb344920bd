internal import Foundation

/// Resolves `fs` locators by reading the local file, refusing files over the size limit before
/// reading them.
///
/// Reads synchronously with `FileHandle` (bounded to ``PackFetchRequest/maxBytes``, at most
/// 64 MiB by default) on NIO's thread pool, never on the caller's thread. No entity tags: the
/// caller's digest pin and cache avoid re-verifying unchanged packs.
public struct FileResolver: PackResolver {
    /// Creates a file resolver.
    public init() {}

    public func fetch(_ request: PackFetchRequest) async throws(PackError) -> PackFetchResult {
        try await BlockingWork.run { () throws(PackError) in try read(request) }
    }

    private func read(_ request: PackFetchRequest) throws(PackError) -> PackFetchResult {
        guard let url = request.locator.fileURL else {
            throw PackError(
                code: .locatorInvalid,
                message:
                    "the file resolver cannot fetch `\(request.locator.original)`; it reads fs:// and file:// paths"
            )
        }
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PackError(code: .notFound, message: "pack file \(path) does not exist; check the index locator")
        }
        guard !isDirectory.boolValue else {
            throw PackError(code: .io, message: "pack locator \(path) is a directory, not a .gtpack file")
        }
        let bytes: [UInt8]
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let data = try handle.read(upToCount: request.maxBytes + 1) ?? Data()
            bytes = Array(data)
        } catch {
            throw PackError(code: .io, message: "cannot read pack file \(path): \(error)", cause: error)
        }
        guard bytes.count <= request.maxBytes else {
            throw PackError(
                code: .tooLarge,
                message: "pack file \(path) is larger than the \(request.maxBytes)-byte limit"
            )
        }
        return .fetched(FetchedPack(bytes: bytes))
    }
}
