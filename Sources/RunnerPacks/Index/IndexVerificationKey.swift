internal import Crypto

/// The `PACK_PUBLIC_KEY` that index entry signatures are checked with (reference §3 step 4).
///
/// Text form: `ed25519:<base64 of the raw 32-byte key>`; the algorithm name is
/// case-insensitive and the base64 is standard, padded or not. A signature is the base64
/// (padded or not; an `ed25519:` prefix is tolerated) of the 64-byte Ed25519 signature over the
/// ASCII bytes of the computed digest string, e.g. `sha256:c6ba…`.
public struct IndexVerificationKey: Sendable, Hashable {
    /// The raw 32-byte public key.
    public let rawKey: [UInt8]

    /// Parses `ed25519:<base64>`.
    ///
    /// - Throws: ``PackError/Code/invalidKey`` saying what is wrong with the text.
    public init(parsing text: String) throws(PackError) {
        let trimmed = text.trimmingASCIIWhitespace()
        guard let colon = trimmed.firstIndex(of: ":") else {
            throw PackError(
                code: .invalidKey,
                message: "PACK_PUBLIC_KEY must look like ed25519:<base64 of the 32-byte public key>"
            )
        }
        let algorithm = trimmed[..<colon].lowercased()
        guard algorithm == "ed25519" else {
            throw PackError(
                code: .invalidKey,
                message: "PACK_PUBLIC_KEY uses algorithm `\(algorithm)`; only ed25519 is supported"
            )
        }
        let encoded = String(trimmed[trimmed.index(after: colon)...])
        guard let raw = Base64.decode(encoded, alphabet: .standard, padding: .optional), raw.count == 32 else {
            throw PackError(
                code: .invalidKey,
                message: "PACK_PUBLIC_KEY must hold the standard base64 of a 32-byte Ed25519 public key"
            )
        }
        rawKey = raw
    }

    /// Wraps a raw 32-byte key.
    ///
    /// - Throws: ``PackError/Code/invalidKey`` if `rawKey` is not 32 bytes.
    public init(rawKey: [UInt8]) throws(PackError) {
        guard rawKey.count == 32 else {
            throw PackError(code: .invalidKey, message: "an Ed25519 public key has 32 bytes, not \(rawKey.count)")
        }
        self.rawKey = rawKey
    }

    /// The key in `ed25519:<base64>` form.
    public var text: String {
        "ed25519:" + Base64.encode(rawKey, alphabet: .standard, padded: true)
    }

    /// Whether `signature` is a valid signature of `digest` (the exact `sha256:<hex>` string).
    public func isValidSignature(_ signature: String, digest: String) -> Bool {
        var encoded = signature.trimmingASCIIWhitespace()
        if encoded.lowercased().hasPrefix("ed25519:") {
            encoded = String(encoded.dropFirst(8))
        }
        guard let bytes = Base64.decode(encoded, alphabet: .standard, padding: .optional), bytes.count == 64,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey)
        else { return false }
        return key.isValidSignature(bytes, for: Array(digest.utf8))
    }

    /// Checks an index entry's signature over `digest`.
    ///
    /// - Throws: ``PackError/Code/indexSignatureInvalid`` if `signature` is missing (a key is
    ///   configured, so it is required) or does not verify.
    public func verify(signature: String?, digest: String, packName: String) throws(PackError) {
        guard let signature, !signature.isEmpty else {
            throw PackError(
                code: .indexSignatureInvalid,
                message: "signature missing for pack \(packName) but PACK_PUBLIC_KEY is configured; "
                    + "add the entry's `signature` (greentic-runner index sign)"
            )
        }
        guard isValidSignature(signature, digest: digest) else {
            throw PackError(
                code: .indexSignatureInvalid,
                message: "the index signature of pack \(packName) does not verify for \(digest) with PACK_PUBLIC_KEY; "
                    + "re-sign the entry or check the key"
            )
        }
    }
}
