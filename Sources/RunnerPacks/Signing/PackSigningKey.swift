internal import Crypto
public import Foundation
internal import SwiftASN1
internal import X509

/// An Ed25519 key that signs packs (and index digests), with the identity its certificate names.
///
/// Keys are stored as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the form
/// `openssl genpkey -algorithm ed25519` writes; ``pemRepresentation`` writes the same form.
/// The public half is shown as ``publicKeyString`` (`ed25519:` + standard base64 of the raw
/// 32 bytes), the format of `PACK_PUBLIC_KEY`.
///
/// Not for verifying packs: verification takes the key from the pack's certificate
/// (``PackReader``) or from `PACK_PUBLIC_KEY` (``IndexVerificationKey``).
public struct PackSigningKey: Sendable {
    /// The certificate common name used for keys other than the development key.
    public static let defaultCommonName = "greentic-pack-signer"
    /// The certificate common name of the development key; strict verification rejects it.
    public static let developmentCommonName = "greentic-dev-local"

    let privateKey: Curve25519.Signing.PrivateKey
    /// The common name (CN) of the self-signed certificate made for this key.
    public let commonName: String

    /// Wraps an existing key.
    init(privateKey: Curve25519.Signing.PrivateKey, commonName: String) {
        self.privateKey = privateKey
        self.commonName = commonName
    }

    /// Creates a key from its 32-byte seed (the raw private key).
    ///
    /// - Throws: ``PackError/Code/invalidKey`` if `seed` is not 32 bytes.
    public init(seed: [UInt8], commonName: String = PackSigningKey.defaultCommonName) throws(PackError) {
        do {
            privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            throw PackError(code: .invalidKey, message: "an Ed25519 seed has 32 bytes, not \(seed.count)")
        }
        self.commonName = commonName
    }

    /// Reads a PKCS#8 PEM private key (`openssl genpkey -algorithm ed25519`).
    ///
    /// - Throws: ``PackError/Code/invalidKey`` if the text is not an Ed25519 PKCS#8 key.
    public init(pemRepresentation: String, commonName: String = PackSigningKey.defaultCommonName) throws(PackError) {
        let seed = try Self.seed(fromPKCS8PEM: pemRepresentation)
        try self.init(seed: seed, commonName: commonName)
    }

    /// Reads a PKCS#8 PEM private key from `url`.
    ///
    /// - Throws: ``PackError/Code/notFound`` or ``PackError/Code/io`` if the file cannot be read,
    ///   ``PackError/Code/invalidKey`` if it is not an Ed25519 key.
    public init(contentsOf url: URL, commonName: String = PackSigningKey.defaultCommonName) throws(PackError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw PackError(
                code: exists ? .io : .notFound,
                message: "cannot read the signing key at \(url.path); create one with `greentic-runner keys generate`",
                cause: error
            )
        }
        do {
            try self.init(pemRepresentation: text, commonName: commonName)
        } catch {
            throw PackError(code: .invalidKey, message: "\(url.path): \(error.message)", cause: error)
        }
    }

    /// Generates a new random key.
    public static func generate(commonName: String = PackSigningKey.defaultCommonName) -> PackSigningKey {
        PackSigningKey(privateKey: Curve25519.Signing.PrivateKey(), commonName: commonName)
    }

    /// The 32-byte seed (raw private key). Keep it secret.
    public var seed: [UInt8] { Array(privateKey.rawRepresentation) }

    /// The raw 32-byte public key.
    public var rawPublicKey: [UInt8] { Array(privateKey.publicKey.rawRepresentation) }

    /// `ed25519:` followed by the standard, padded base64 of the raw public key (the
    /// `PACK_PUBLIC_KEY` format).
    public var publicKeyString: String {
        "ed25519:" + Base64.encode(rawPublicKey, alphabet: .standard, padded: true)
    }

    /// BLAKE3 hex of the raw public key, recorded as `key_fingerprint` in `pack.sig`.
    public var fingerprint: String {
        PackSigningDigest.blake3Hex(rawPublicKey)
    }

    /// The PKCS#8 PEM text of the private key (with a trailing newline).
    public var pemRepresentation: String {
        let der: [UInt8] =
            [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
            + seed
        return PEMDocument(type: "PRIVATE KEY", derBytes: der).pemString + "\n"
    }

    /// Writes ``pemRepresentation`` to `url` with owner-only permissions (0600).
    ///
    /// - Throws: ``PackError/Code/io`` if the file cannot be written.
    public func write(to url: URL) throws(PackError) {
        let created = FileManager.default.createFile(
            atPath: url.path,
            contents: Data(pemRepresentation.utf8),
            attributes: [.posixPermissions: 0o600]
        )
        guard created else {
            throw PackError(
                code: .io,
                message: "cannot write the signing key to \(url.path); check the directory exists"
            )
        }
    }

    /// Signs `message` with Ed25519.
    ///
    /// - Throws: ``PackError/Code/invalidKey`` if the crypto library refuses.
    public func sign(_ message: [UInt8]) throws(PackError) -> [UInt8] {
        do {
            return Array(try privateKey.signature(for: message))
        } catch {
            throw PackError(code: .invalidKey, message: "Ed25519 signing failed: \(error)", cause: error)
        }
    }

    /// Signs an index digest string (`sha256:<hex>`) for an index entry's `signature` field:
    /// the signature over its ASCII bytes, as standard padded base64.
    public func signIndexDigest(_ digest: String) throws(PackError) -> String {
        Base64.encode(try sign(Array(digest.utf8)), alphabet: .standard, padded: true)
    }

    /// Extracts the seed from a PKCS#8 `PRIVATE KEY` PEM document.
    private static func seed(fromPKCS8PEM text: String) throws(PackError) -> [UInt8] {
        do {
            let document = try PEMDocument(pemString: text)
            guard document.discriminator == "PRIVATE KEY" else {
                throw PackError(
                    code: .invalidKey,
                    message: "expected a PKCS#8 `PRIVATE KEY` PEM block, found `\(document.discriminator)`"
                )
            }
            let root = try DER.parse(document.derBytes)
            return try DER.sequence(root, identifier: .sequence) { nodes in
                _ = try Int(derEncoded: &nodes)
                let algorithm = try DER.sequence(of: ASN1ObjectIdentifier.self, identifier: .sequence, nodes: &nodes)
                guard algorithm == [ASN1ObjectIdentifier(arrayLiteral: 1, 3, 101, 112)] else {
                    throw PackError(code: .invalidKey, message: "the PEM key is not an Ed25519 key (OID 1.3.101.112)")
                }
                let outer = try ASN1OctetString(derEncoded: &nodes)
                while nodes.next() != nil {}
                let inner = try ASN1OctetString(derEncoded: Array(outer.bytes))
                return Array(inner.bytes)
            }
        } catch let error as PackError {
            throw error
        } catch {
            throw PackError(code: .invalidKey, message: "the PEM text is not a PKCS#8 Ed25519 private key: \(error)")
        }
    }
}
