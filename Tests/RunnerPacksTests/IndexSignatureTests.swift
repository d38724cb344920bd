import Crypto
import Foundation
import Testing

@testable import RunnerPacks

@Suite("Index digests, signatures and the strictness selection")
struct IndexSignatureTests {
    @Test("a signature over sha256:deadbeef verifies; a bogus one does not")
    func signatureVectors() throws {
        let key = PackSigningKey.generate()
        let verifier = try IndexVerificationKey(parsing: key.publicKeyString)
        let signature = try key.signIndexDigest("sha256:deadbeef")
        #expect(verifier.isValidSignature(signature, digest: "sha256:deadbeef"))
        try verifier.verify(signature: signature, digest: "sha256:deadbeef", packName: "demo")
        let unpadded = signature.replacingOccurrences(of: "=", with: "")
        #expect(verifier.isValidSignature(unpadded, digest: "sha256:deadbeef"), "unpadded base64 is accepted")
        #expect(verifier.isValidSignature("ed25519:" + signature, digest: "sha256:deadbeef"), "README-style prefix")
        #expect(!verifier.isValidSignature(signature, digest: "sha256:deadbeee"))
        let bogus = Base64.encode([UInt8](repeating: 0, count: 64), alphabet: .standard, padded: true)
        #expect(!verifier.isValidSignature(bogus, digest: "sha256:deadbeef"))
        #expect(!verifier.isValidSignature("%%%", digest: "sha256:deadbeef"))
        expectPackError(.indexSignatureInvalid, mentioning: ["demo", "sha256:deadbeef"]) {
            try verifier.verify(signature: bogus, digest: "sha256:deadbeef", packName: "demo")
        }
        let other = try IndexVerificationKey(parsing: PackSigningKey.generate().publicKeyString)
        #expect(!other.isValidSignature(signature, digest: "sha256:deadbeef"))
    }

    @Test("the message is exactly the ASCII digest string (checked with swift-crypto directly)")
    func messageBytes() throws {
        let key = PackSigningKey.generate()
        let raw = try #require(
            Base64.decode(try key.signIndexDigest("sha256:abc"), alphabet: .standard, padding: .optional)
        )
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: key.rawPublicKey)
        #expect(publicKey.isValidSignature(raw, for: Array("sha256:abc".utf8)))
    }

    @Test("a missing signature is an error when a key is configured")
    func missingSignature() throws {
        let verifier = try IndexVerificationKey(parsing: PackSigningKey.developmentKey.publicKeyString)
        expectPackError(.indexSignatureInvalid, mentioning: ["signature missing", "demo", "PACK_PUBLIC_KEY"]) {
            try verifier.verify(signature: nil, digest: "sha256:00", packName: "demo")
        }
    }

    @Test("PACK_PUBLIC_KEY parsing: case-insensitive algorithm, padded or unpadded base64")
    func keyParsing() throws {
        let key = PackSigningKey.generate()
        let encoded = Base64.encode(key.rawPublicKey, alphabet: .standard, padded: true)
        let padded = try IndexVerificationKey(parsing: "ed25519:" + encoded)
        let upper = try IndexVerificationKey(parsing: "ED25519:" + encoded.replacingOccurrences(of: "=", with: ""))
        #expect(padded == upper)
        #expect(padded.rawKey == key.rawPublicKey)
        #expect(padded.text == key.publicKeyString)
        for bad in [
            "", "ed25519", "rsa:" + encoded, "ed25519:" + encoded + "AAAA", "ed25519:***",
            "ed25519:" + Base64.encode(Array(key.rawPublicKey.prefix(31)), alphabet: .standard, padded: true),
        ] {
            expectPackError(.invalidKey, mentioning: ["PACK_PUBLIC_KEY"]) { try IndexVerificationKey(parsing: bad) }
        }
    }

    @Test("digests compare case-insensitively as whole strings, mismatches name both")
    func digests() throws {
        let digest = PackDigest.sha256(of: Array("hello".utf8))
        #expect(digest == "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(PackDigest.matches(expected: digest.uppercased(), actual: digest))
        #expect(!PackDigest.matches(expected: "sha512:" + digest.dropFirst(7), actual: digest))
        #expect(!PackDigest.matches(expected: String(digest.dropLast()), actual: digest))
        try PackDigest.verify(expected: nil, actual: digest, packName: "p")
        try PackDigest.verify(expected: digest.uppercased(), actual: digest, packName: "p")
        expectPackError(.digestMismatch, mentioning: ["demo-pack", "sha256:00", digest]) {
            try PackDigest.verify(expected: "sha256:00", actual: digest, packName: "demo-pack")
        }
        expectPackError(.digestMismatch, mentioning: ["only sha256"]) {
            try PackDigest.verify(expected: "sha512:00", actual: digest, packName: "p")
        }
    }

    @Test(
        "strict or devOK from PACK_VERIFY_STRICT and PACK_PUBLIC_KEY",
        arguments: [
            (String?.none, String?.none, VerificationPolicy.devOK),
            (nil, "ed25519:abc", .strict),
            (nil, "", .strict),
            ("1", nil, .strict),
            ("true", nil, .strict),
            ("TRUE", "ed25519:abc", .strict),
            ("True", nil, .strict),
            ("0", "ed25519:abc", .devOK),
            ("false", "ed25519:abc", .devOK),
            ("yes", nil, .devOK),
            ("", "ed25519:abc", .devOK),
            (" 1", nil, .devOK),
        ]
    )
    func strictness(verifyStrict: String?, publicKey: String?, expected: VerificationPolicy) {
        #expect(VerificationPolicy.select(verifyStrict: verifyStrict, publicKey: publicKey) == expected)
    }

    @Test("base64 codec is strict about alphabet, padding and trailing bits")
    func base64() {
        #expect(Base64.encode(Array("fo".utf8), alphabet: .standard, padded: true) == "Zm8=")
        #expect(Base64.decode("Zm8=", alphabet: .standard, padding: .optional) == Array("fo".utf8))
        #expect(Base64.decode("Zm8", alphabet: .standard, padding: .optional) == Array("fo".utf8))
        #expect(Base64.decode("Zm8=", alphabet: .urlSafe, padding: .forbidden) == nil)
        #expect(Base64.decode("Zm9", alphabet: .standard, padding: .optional) == nil, "non-zero trailing bits")
        #expect(Base64.decode("Z", alphabet: .standard, padding: .optional) == nil)
        #expect(Base64.decode("-_8", alphabet: .urlSafe, padding: .forbidden) == [0xFB, 0xFF])
        #expect(Base64.decode("-_8", alphabet: .standard, padding: .optional) == nil)
        #expect(Base64.decode("Zm 8", alphabet: .standard, padding: .optional) == nil)
    }
}
