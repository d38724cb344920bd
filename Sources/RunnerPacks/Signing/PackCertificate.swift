internal import Crypto
internal import Foundation
internal import SwiftASN1
internal import X509

/// The self-signed X.509 certificate that carries a pack signer's public key in
/// `signatures/chain.pem`, and the parsing of such chains.
///
/// The certificate is deterministic: Ed25519 signatures are deterministic (RFC 8032), the
/// serial number is derived from the public key (first 16 bytes of its SHA-256, top bit
/// cleared), validity runs from 1980-01-01T00:00:00Z to 9999-12-31T23:59:59Z (RFC 5280's
/// "no well-defined expiration"), and there is no wall clock or randomness involved. Subject
/// and issuer are `CN=<commonName>`; extensions mark it as a non-CA signing certificate.
///
/// Not a trust decision: which signers are acceptable is ``VerificationPolicy``'s job.
enum PackCertificate {
    /// Start of validity: the ZIP epoch.
    static let notValidBefore = Date(timeIntervalSince1970: 315_532_800)
    /// End of validity: 9999-12-31T23:59:59Z.
    static let notValidAfter = Date(timeIntervalSince1970: 253_402_300_799)

    /// The PEM text (one `CERTIFICATE` block and a trailing newline) of `key`'s certificate.
    static func selfSignedPEM(for key: PackSigningKey) throws(PackError) -> String {
        do {
            let privateKey = Certificate.PrivateKey(key.privateKey)
            let name = try DistinguishedName { CommonName(key.commonName) }
            var serial = Array(SHA256.hash(data: key.rawPublicKey).prefix(16))
            serial[0] = serial[0] & 0x7F | 0x40
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(bytes: serial),
                publicKey: privateKey.publicKey,
                notValidBefore: notValidBefore,
                notValidAfter: notValidAfter,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ed25519,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                },
                issuerPrivateKey: privateKey
            )
            return try certificate.serializeAsPEM().pemString + "\n"
        } catch {
            throw PackError(
                code: .invalidKey,
                message: "cannot build the signer certificate for CN=\(key.commonName): \(error)",
                cause: error
            )
        }
    }

    /// What ``parseChain(_:)`` learns from the first certificate of a chain.
    struct Signer {
        /// The raw 32-byte Ed25519 public key.
        let publicKey: [UInt8]
        /// Every common name of the subject.
        let subjectCommonNames: [String]
        /// Whether subject and issuer are the same name.
        let isSelfIssued: Bool
        /// How many certificates the chain holds.
        let chainLength: Int

        /// Whether this is the development certificate strict verification rejects.
        var isDevelopmentCertificate: Bool {
            isSelfIssued && subjectCommonNames.contains(PackSigningKey.developmentCommonName)
        }
    }

    /// Parses `signatures/chain.pem` and describes its first certificate.
    ///
    /// - Throws: ``PackError/Code/signatureInvalid`` if the PEM is empty or malformed, a block is
    ///   not a `CERTIFICATE`, or the first certificate does not hold an Ed25519 key.
    static func parseChain(_ bytes: [UInt8]) throws(PackError) -> Signer {
        let text = String(decoding: bytes, as: UTF8.self)
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw PackError(
                code: .signatureInvalid,
                message: "signatures/chain.pem is not valid PEM: \(error)",
                cause: error
            )
        }
        guard let first = documents.first else {
            throw PackError(code: .signatureInvalid, message: "signatures/chain.pem holds no certificate")
        }
        if let other = documents.first(where: { $0.discriminator != "CERTIFICATE" }) {
            throw PackError(
                code: .signatureInvalid,
                message:
                    "signatures/chain.pem holds a `\(other.discriminator)` block; only CERTIFICATE blocks are allowed"
            )
        }
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: first.derBytes)
        } catch {
            throw PackError(
                code: .signatureInvalid,
                message: "the first certificate in signatures/chain.pem is malformed: \(error)",
                cause: error
            )
        }
        guard let publicKey = Curve25519.Signing.PublicKey(certificate.publicKey) else {
            throw PackError(
                code: .signatureInvalid,
                message: "the first certificate in signatures/chain.pem does not hold an Ed25519 public key"
            )
        }
        var commonNames: [String] = []
        for relativeName in certificate.subject {
            for attribute in relativeName where attribute.type == .RDNAttributeType.commonName {
                commonNames.append(String(attribute.value) ?? attribute.value.description)
            }
        }
        return Signer(
            publicKey: Array(publicKey.rawRepresentation),
            subjectCommonNames: commonNames,
            isSelfIssued: certificate.subject == certificate.issuer,
            chainLength: documents.count
        )
    }
}

extension PackSigningKey {
    /// The PEM of this key's self-signed certificate, the content of `signatures/chain.pem`
    /// (`CN=greentic-dev-local` for ``developmentKey``). Deterministic for a given key and name.
    public func certificateChainPEM() throws(PackError) -> String {
        try PackCertificate.selfSignedPEM(for: self)
    }
}
