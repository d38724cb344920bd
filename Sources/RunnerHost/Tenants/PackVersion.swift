/// One pack of a tenant as loaded: identity, digest and per-flow hashes.
public struct PackVersion: Sendable, Hashable {
    public var packID: String
    public var version: String
    /// `sha256:<hex>` of the pack file, as in the index.
    public var digest: String
    /// BLAKE3 hash of each flow's canonical JSON, from the manifest.
    public var flowHashes: [String: String]
    /// The manifest's `entry_flows`.
    public var entryFlows: [String]

    public init(packID: String, version: String, digest: String, flowHashes: [String: String], entryFlows: [String]) {
        self.packID = packID
        self.version = version
        self.digest = digest
        self.flowHashes = flowHashes
        self.entryFlows = entryFlows
    }
}
