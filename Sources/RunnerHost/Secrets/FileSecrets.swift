internal import Foundation
internal import RunnerCore

/// `SECRETS_BACKEND=file`: secrets in files only the runner's user may read.
///
/// `SECRETS_PATH` is either
/// - a directory holding one file per secret, `<dir>/<tenant>/<name>` (a Kubernetes secret
///   volume per tenant, for instance); the file's content is the value, less one trailing
///   newline; or
/// - one JSON file, `{"<tenant>": {"<name>": "<value>", …}, …}`.
///
/// Every file read must be accessible by its owner only (no group or other permission bits,
/// e.g. mode 0600 or 0400, checked after following symlinks): a secret others can read is
/// refused with an error naming the file, never read. Files are read when the cache of
/// ``TenantSecrets`` misses, so a rotated value is picked up once its cache entry expires.
public struct FileSecrets: SecretsProvider {
    let path: String

    public init(path: String) {
        self.path = path
    }

    public func secret(_ name: String, tenant: String) async throws(SecretsError) -> String? {
        guard Self.isPathSegment(tenant), Self.isPathSegment(name) else { return nil }
        switch try Self.kind(of: path) {
        case .directory:
            let file = "\(path)/\(tenant)/\(name)"
            guard let bytes = try Self.readPrivateFile(file) else { return nil }
            var value = String(decoding: bytes, as: UTF8.self)
            if value.hasSuffix("\r\n") { value.removeLast(2) } else if value.hasSuffix("\n") { value.removeLast() }
            return value
        case .file:
            return try document()[tenant]?[name]?.stringValue
        case nil:
            throw SecretsError("SECRETS_PATH \(path) does not exist")
        }
    }

    public func checkReachable() async throws(SecretsError) {
        switch try Self.kind(of: path) {
        case .directory:
            guard FileManager.default.isReadableFile(atPath: path), FileManager.default.isExecutableFile(atPath: path) else {
                throw SecretsError("SECRETS_PATH \(path) cannot be read")
            }
        case .file:
            _ = try document()
        case nil:
            throw SecretsError("SECRETS_PATH \(path) does not exist")
        }
    }

    /// The JSON file, parsed.
    private func document() throws(SecretsError) -> JSONValue {
        guard let bytes = try Self.readPrivateFile(path) else { throw SecretsError("SECRETS_PATH \(path) does not exist") }
        guard let document = try? JSONValue(parsing: bytes), document.objectValue != nil else {
            throw SecretsError("SECRETS_PATH \(path) is not a JSON object of tenants")
        }
        return document
    }

    private enum Kind { case directory, file }

    private static func kind(of path: String) throws(SecretsError) -> Kind? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        return isDirectory.boolValue ? .directory : .file
    }

    /// The file's bytes, `nil` when it does not exist.
    ///
    /// - Throws: ``SecretsError`` when group or others have any permission on it (checked on
    ///   the file a symlink points to), or it cannot be read.
    private static func readPrivateFile(_ file: String) throws(SecretsError) -> [UInt8]? {
        let target = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: target)
        } catch {
            guard FileManager.default.fileExists(atPath: target) else { return nil }
            throw SecretsError("secret file \(file) cannot be examined")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw SecretsError("secret file \(file) is not a regular file")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0 else {
            throw SecretsError(
                "secret file \(file) is accessible by group or others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it"
            )
        }
        guard ((attributes[.size] as? NSNumber)?.intValue ?? 0) <= 1 << 20 else {
            throw SecretsError("secret file \(file) is larger than 1 MiB")
        }
        guard let data = FileManager.default.contents(atPath: target) else {
            throw SecretsError("secret file \(file) cannot be read")
        }
        return [UInt8](data)
    }

    /// Whether `text` names one path segment (no separator, not `.` or `..`).
    private static func isPathSegment(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".." && !text.contains("/") && !text.contains("\u{0}")
    }
}
