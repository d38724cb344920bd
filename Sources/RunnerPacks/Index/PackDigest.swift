internal import Crypto
internal import RunnerCore

/// The index-level digest of a pack file: `sha256:` + lowercase hex of SHA-256 over the whole
/// `.gtpack` (reference §3 steps 2–3).
public enum PackDigest {
    /// `sha256:<lowercase hex>` of `bytes`.
    public static func sha256(of bytes: [UInt8]) -> String {
        "sha256:" + Hex.encode(SHA256.hash(data: bytes))
    }

    /// Whether `expected` names `actual`: compared case-insensitively as whole strings, so only a
    /// `sha256:` pin can ever match.
    public static func matches(expected: String, actual: String) -> Bool {
        expected.lowercased() == actual.lowercased()
    }

    /// Checks `actual` against the pin, if there is one.
    ///
    /// - Throws: ``PackError/Code/digestMismatch`` naming the pack and both digests.
    public static func verify(expected: String?, actual: String, packName: String) throws(PackError) {
        guard let expected, !matches(expected: expected, actual: actual) else { return }
        var advice = "update the index `digest` or restore the pack file"
        if !expected.lowercased().hasPrefix("sha256:") {
            advice = "only sha256 digests are supported; write the pin as sha256:<hex>"
        }
        throw PackError(
            code: .digestMismatch,
            message: "digest mismatch for \(packName): expected \(expected), found \(actual); \(advice)"
        )
    }

    /// The lowercase hex of a `sha256:<hex>` digest, or `nil` if `digest` is not one.
    static func sha256Hex(_ digest: String) -> String? {
        let lowered = digest.lowercased()
        guard lowered.hasPrefix("sha256:") else { return nil }
        let hex = String(lowered.dropFirst(7))
        guard hex.utf8.count == 64, Hex.isHex(hex) else { return nil }
        return hex
    }
}
