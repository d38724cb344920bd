/// The rules for a path inside a gtpack: relative, `/`-separated, no empty, `.` or `..`
/// segments, no backslashes or control characters, not a directory.
enum ArchivePath {
    /// Returns why `path` is not acceptable, or `nil` if it is.
    static func problem(with path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") { return "is absolute" }
        if path.hasSuffix("/") { return "is a directory entry (a gtpack holds regular files only)" }
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "contains a control character" }
        if path.contains("\\") { return "contains a backslash" }
        if path.utf8.count >= 2, path.utf8.dropFirst().first == UInt8(ascii: ":") {
            return "looks like a drive-letter path"
        }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "contains an empty segment" }
            if segment == "." || segment == ".." { return "contains a `\(segment)` segment (path traversal)" }
        }
        return nil
    }
}
