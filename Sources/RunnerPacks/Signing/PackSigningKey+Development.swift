internal import Crypto

extension PackSigningKey {
    /// The published seed text of ``developmentKey``: the key's 32-byte seed is the SHA-256 of
    /// these ASCII bytes.
    public static let developmentSeedText = "greentic-runner insecure development signing key v1"

    /// The development signing key. **Insecure by design:** its seed is public (SHA-256 of
    /// ``developmentSeedText``), so anyone can sign packs with it.
    ///
    /// It exists so that `pack build` without `--key` and the bundled demo pack are signed
    /// deterministically (identical input gives identical bytes). Its certificate is the
    /// self-signed `CN=greentic-dev-local` one that ``VerificationPolicy/strict`` rejects, so a
    /// dev-signed pack only loads where the operator accepts development packs.
    ///
    /// Public key: `ed25519:1khzLvXnARJ4Wdm1ht9uuyZfJB8gdRmUUyfNONvesgQ=`.
    public static let developmentKey: PackSigningKey = {
        let seed = Array(SHA256.hash(data: Array(developmentSeedText.utf8)))
        // A SHA-256 digest is always 32 bytes, which is exactly what the initializer needs, so the
        // fallback (a random key) is unreachable; it exists only to avoid a trap in library code.
        let key = (try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)) ?? Curve25519.Signing.PrivateKey()
        return PackSigningKey(privateKey: key, commonName: developmentCommonName)
    }()

    /// Whether this is ``developmentKey`` (same key material).
    public var isDevelopmentKey: Bool {
        rawPublicKey == PackSigningKey.developmentKey.rawPublicKey
    }
}
