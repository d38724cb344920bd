internal import ArgumentParser
internal import Foundation
internal import RunnerCore

/// What the commands write: one JSON document on stdout, files replaced atomically.
enum CLIOutput {
    static func print(_ value: JSONValue) {
        Swift.print(PrettyJSON.format(value.serializedString()))
    }

    /// Writes `bytes` to `path` atomically: a temporary file beside it, then `rename(2)`, so a
    /// reader (a runner watching its index) sees the old or the new file, never half of one.
    /// (Foundation's `.atomic` stages the file in a directory of `$TMPDIR`, which it leaves
    /// behind on Linux and which may be on another file system, where rename is not atomic.)
    static func write(_ bytes: some Sequence<UInt8>, to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let staging = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(bytes).write(to: staging)
        } catch {
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
        guard rename(staging.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: staging)
            throw ValidationError("cannot replace \(path): \(reason)")
        }
    }
}
