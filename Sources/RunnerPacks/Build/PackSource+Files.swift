internal import Foundation
internal import RunnerCore

extension PackSource {
    /// Names of the entries of `folder`, sorted by their UTF-8 bytes, hidden files skipped;
    /// empty if the folder does not exist.
    static func children(of folder: URL) throws(PackError) -> [String] {
        guard isDirectory(folder) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { !$0.hasPrefix(".") }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        } catch {
            throw PackError(code: .io, message: "cannot list \(folder.path): \(error)", cause: error)
        }
    }

    /// Whether `url` is an existing directory.
    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The bytes of the file at `url`.
    static func bytes(at url: URL) throws(PackError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw PackError(code: .io, message: "cannot read \(url.path): \(error)", cause: error)
        }
    }

    /// The UTF-8 text of the file at `url`.
    static func text(at url: URL) throws(PackError) -> String {
        let data = try bytes(at: url)
        let text = String(decoding: data, as: UTF8.self)
        guard Array(text.utf8) == data else {
            throw PackError(code: .invalidSource, message: "\(url.path) is not valid UTF-8 text")
        }
        return text
    }

    /// The YAML document in the file at `url`, as JSON.
    static func yaml(at url: URL) throws(PackError) -> JSONValue {
        let text = try text(at: url)
        do {
            return try JSONValue(yaml: text)
        } catch {
            throw PackError(
                code: .invalidSource,
                message: "\(url.lastPathComponent) is not valid YAML: \(error)",
                cause: error
            )
        }
    }
}
