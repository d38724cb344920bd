import Foundation
import Testing

@testable import RunnerPacks

@Suite("PackSigningKey and certificates")
struct PackSigningKeyTests {
    @Test("reads the PEM openssl genpkey writes and writes the same bytes back")
    func opensslPEM() throws {
        let pem = try String(contentsOf: Fixtures.resource("keys/openssl-ed25519.pem"), encoding: .utf8)
        let expectedPublic = try String(contentsOf: Fixtures.resource("keys/openssl-ed25519.pub"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try PackSigningKey(pemRepresentation: pem)
        #expect(key.publicKeyString == expectedPublic)
        #expect(key.pemRepresentation == pem)
        #expect(key.commonName == "greentic-pack-signer")
    }

    @Test("a generated key survives a write and a read")
    func fileRoundTrip() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = PackSigningKey.generate()
        let url = directory.appendingPathComponent("signing.pem")
        try key.write(to: url)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let read = try PackSigningKey(contentsOf: url, commonName: "acme")
        #expect(read.rawPublicKey == key.rawPublicKey)
        #expect(read.commonName == "acme")
        expectPackError(.notFound, mentioning: ["missing.pem"]) {
            try PackSigningKey(contentsOf: directory.appendingPathComponent("missing.pem"))
        }
        try Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8).write(to: url)
        expectPackError(.invalidKey, mentioning: ["signing.pem"]) { try PackSigningKey(contentsOf: url) }
        expectPackError(.invalidKey) { try PackSigningKey(seed: [1, 2, 3]) }
    }

    @Test("the development key is fixed, public and named greentic-dev-local")
    func developmentKey() throws {
        let key = PackSigningKey.developmentKey
        #expect(key.commonName == "greentic-dev-local")
        #expect(key.isDevelopmentKey)
        #expect(!PackSigningKey.generate().isDevelopmentKey)
        #expect(key.publicKeyString == "ed25519:" + Base64.encode(key.rawPublicKey, alphabet: .standard, padded: true))
        #expect(key.publicKeyString == Self.documentedDevelopmentPublicKey)
    }

    /// The development key's public half as documented; changing the seed breaks published packs.
    static let documentedDevelopmentPublicKey = "ed25519:1khzLvXnARJ4Wdm1ht9uuyZfJB8gdRmUUyfNONvesgQ="

    @Test("certificates are deterministic and carry the key and common name")
    func certificates() throws {
        let dev = try PackSigningKey.developmentKey.certificateChainPEM()
        #expect(dev == (try PackSigningKey.developmentKey.certificateChainPEM()))
        #expect(dev.hasPrefix("-----BEGIN CERTIFICATE-----\n") && dev.hasSuffix("-----END CERTIFICATE-----\n"))
        let signer = try PackCertificate.parseChain(Array(dev.utf8))
        #expect(signer.subjectCommonNames == ["greentic-dev-local"])
        #expect(signer.isSelfIssued && signer.isDevelopmentCertificate)
        #expect(signer.publicKey == PackSigningKey.developmentKey.rawPublicKey)
        #expect(signer.chainLength == 1)

        let release = try PackSigningKey(seed: [UInt8](repeating: 3, count: 32))
        let releaseSigner = try PackCertificate.parseChain(Array(try release.certificateChainPEM().utf8))
        #expect(releaseSigner.subjectCommonNames == ["greentic-pack-signer"])
        #expect(!releaseSigner.isDevelopmentCertificate)
        #expect(try release.certificateChainPEM() != dev)

        for bad in ["", "not pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"] {
            expectPackError(.signatureInvalid) { try PackCertificate.parseChain(Array(bad.utf8)) }
        }
    }
}
