internal import RunnerCore

/// `provenance.json`: who built the pack and when.
///
/// Written with explicit `null`s in the Rust original's member order. Informational only: it is
/// covered by the SBOM (so it cannot be altered) but nothing is decided from it.
public struct PackProvenance: Sendable, Hashable {
    /// The builder, e.g. `greentic-runner@0.1.0`.
    public var builder: String
    /// Source commit, if known.
    public var gitCommit: String?
    /// Source repository, if known.
    public var gitRepo: String?
    /// Toolchain description, if known.
    public var toolchain: String?
    /// RFC 3339 build time (from `SOURCE_DATE_EPOCH` for reproducible builds).
    public var builtAtUTC: String
    /// Build host, if recorded.
    public var host: String?
    /// Free-form notes.
    public var notes: String?

    /// Creates a provenance record.
    public init(
        builder: String,
        gitCommit: String? = nil,
        gitRepo: String? = nil,
        toolchain: String? = nil,
        builtAtUTC: String,
        host: String? = nil,
        notes: String? = nil
    ) {
        self.builder = builder
        self.gitCommit = gitCommit
        self.gitRepo = gitRepo
        self.toolchain = toolchain
        self.builtAtUTC = builtAtUTC
        self.host = host
        self.notes = notes
    }

    /// The `provenance.json` bytes.
    public func jsonBytes() -> [UInt8] {
        OrderedJSON.object([
            ("builder", .string(builder)),
            ("git_commit", .optionalString(gitCommit)),
            ("git_repo", .optionalString(gitRepo)),
            ("toolchain", .optionalString(toolchain)),
            ("built_at_utc", .string(builtAtUTC)),
            ("host", .optionalString(host)),
            ("notes", .optionalString(notes)),
        ]).prettyBytes()
    }
}
