internal import RunnerCore

/// `signatures/pack.sig`: the Ed25519 signature over a pack's signing digest.
///
/// JSON members, in this order: `alg` (`"ed25519"`), `sig` (URL-safe base64 without padding of
/// the 64-byte signature), `digest` (BLAKE3 hex of the signing digest, see ``PackSigningDigest``),
/// `signed_at_utc`, and `key_fingerprint` only when present.
public struct PackSignature: Sendable, Hashable {
    /// The only algorithm accepted.
    public static let ed25519 = "ed25519"

    /// Signature algorithm name.
    public var alg: String
    /// URL-safe base64 (no padding) of the raw signature.
    public var sig: String
    /// Lowercase hex of the 32-byte signing digest.
    public var digest: String
    /// RFC 3339 signing time.
    public var signedAtUTC: String
    /// BLAKE3 hex of the raw public key, if recorded.
    public var keyFingerprint: String?

    /// Creates a signature record.
    public init(alg: String, sig: String, digest: String, signedAtUTC: String, keyFingerprint: String? = nil) {
        self.alg = alg
        self.sig = sig
        self.digest = digest
        self.signedAtUTC = signedAtUTC
        self.keyFingerprint = keyFingerprint
    }

    /// Creates a record for a raw Ed25519 `signature` over `digest`.
    public init(signature: [UInt8], digest: [UInt8], signedAtUTC: String, keyFingerprint: String?) {
        self.init(
            alg: Self.ed25519,
            sig: Base64.encode(signature, alphabet: .urlSafe, padded: false),
            digest: Hex.encode(digest),
            signedAtUTC: signedAtUTC,
            keyFingerprint: keyFingerprint
        )
    }

    /// The `signatures/pack.sig` bytes (pretty JSON).
    public func jsonBytes() -> [UInt8] {
        var members: [(String, OrderedJSON)] = [
            ("alg", .string(alg)),
            ("sig", .string(sig)),
            ("digest", .string(digest)),
            ("signed_at_utc", .string(signedAtUTC)),
        ]
        if let keyFingerprint {
            members.append(("key_fingerprint", .string(keyFingerprint)))
        }
        return OrderedJSON.object(members).prettyBytes()
    }

    /// Parses `signatures/pack.sig`.
    ///
    /// - Throws: ``PackError/Code/signatureInvalid`` naming the malformed field.
    public init(json bytes: [UInt8]) throws(PackError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: bytes)
        } catch {
            throw PackError(
                code: .signatureInvalid,
                message: "signatures/pack.sig is not valid JSON: \(error)",
                cause: error
            )
        }
        let root = try JSONObjectReader(document, context: "signatures/pack.sig", code: .signatureInvalid)
        self.init(
            alg: try root.string("alg"),
            sig: try root.string("sig"),
            digest: try root.string("digest"),
            signedAtUTC: try root.optionalString("signed_at_utc") ?? "",
            keyFingerprint: try root.optionalString("key_fingerprint")
        )
    }

    /// The raw 64 signature bytes.
    ///
    /// - Throws: ``PackError/Code/signatureInvalid`` if `sig` is not URL-safe unpadded base64 of
    ///   exactly 64 bytes.
    public func signatureBytes() throws(PackError) -> [UInt8] {
        guard let bytes = Base64.decode(sig, alphabet: .urlSafe, padding: .forbidden) else {
            throw PackError(
                code: .signatureInvalid,
                message: "signatures/pack.sig field `sig` is not URL-safe base64 without padding; re-sign the pack"
            )
        }
        guard bytes.count == 64 else {
            throw PackError(
                code: .signatureInvalid,
                message: "signatures/pack.sig field `sig` decodes to \(bytes.count) bytes; an Ed25519 signature has 64"
            )
        }
        return bytes
    }
}
