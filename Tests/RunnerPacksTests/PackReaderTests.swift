import Foundation
import RunnerCore
import Testing

@testable import RunnerPacks

@Suite("PackReader verification")
struct PackReaderTests {
    let output: PackBuilder.Output

    init() throws {
        output = try Fixtures.build()
    }

    @Test("a tampered component byte is an SBOM mismatch naming the file")
    func tamperedComponent() throws {
        let archive = try Fixtures.rezip(output.files) { files in
            files["components/echo@0.1.0/component.wasm"]?[7] ^= 0xFF
        }
        expectPackError(.sbomMismatch, mentioning: ["components/echo@0.1.0/component.wasm"]) {
            try PackReader().open(archive, policy: .devOK)
        }
    }

    @Test("a replaced signature is rejected as invalid")
    func replacedSignature() throws {
        let other = try PackSigningKey(seed: [UInt8](repeating: 9, count: 32))
        let digest = try #require(Hex.decode(output.signingDigest))
        var signature = try PackSignature(json: try #require(output.files["signatures/pack.sig"]))
        signature.sig = Base64.encode(try other.sign(digest), alphabet: .urlSafe, padded: false)
        let archive = try Fixtures.rezip(output.files) { $0["signatures/pack.sig"] = signature.jsonBytes() }
        expectPackError(.signatureInvalid, mentioning: ["signatures/pack.sig"]) {
            try PackReader().open(archive, policy: .devOK)
        }
    }

    @Test("a certificate for another key does not verify the signature")
    func replacedCertificate() throws {
        let other = try PackSigningKey(seed: [UInt8](repeating: 9, count: 32))
        let archive = try Fixtures.rezip(output.files) {
            $0["signatures/chain.pem"] = Array((try? other.certificateChainPEM())?.utf8 ?? "".utf8)
        }
        expectPackError(.signatureInvalid, mentioning: ["chain.pem"]) { try PackReader().open(archive, policy: .devOK) }
    }

    @Test(
        "missing pack.sig or chain.pem is signatureMissing",
        arguments: ["signatures/pack.sig", "signatures/chain.pem"]
    )
    func missingSignatureFiles(path: String) throws {
        let archive = try Fixtures.rezip(output.files) { $0[path] = nil }
        expectPackError(.signatureMissing, mentioning: [path]) { try PackReader().open(archive, policy: .devOK) }
    }

    @Test("an edited digest field is a digest mismatch")
    func editedDigest() throws {
        var signature = try PackSignature(json: try #require(output.files["signatures/pack.sig"]))
        signature.digest = String(repeating: "ab", count: 32)
        let archive = try Fixtures.rezip(output.files) { $0["signatures/pack.sig"] = signature.jsonBytes() }
        expectPackError(.digestMismatch, mentioning: ["abab", output.signingDigest]) {
            try PackReader().open(archive, policy: .devOK)
        }
    }

    @Test("the digest comparison ignores case")
    func uppercaseDigest() throws {
        var signature = try PackSignature(json: try #require(output.files["signatures/pack.sig"]))
        signature.digest = signature.digest.uppercased()
        let archive = try Fixtures.rezip(output.files) { $0["signatures/pack.sig"] = signature.jsonBytes() }
        #expect(try PackReader().open(archive, policy: .devOK).digest == output.signingDigest)
    }

    @Test(
        "wrong algorithm and bad base64 are invalid signatures",
        arguments: [
            ("alg", "rsa"), ("sig", "not base64!"), ("sig", "AAAA"),
        ]
    )
    func malformedSignature(field: String, value: String) throws {
        var signature = try PackSignature(json: try #require(output.files["signatures/pack.sig"]))
        if field == "alg" { signature.alg = value } else { signature.sig = value }
        let archive = try Fixtures.rezip(output.files) { $0["signatures/pack.sig"] = signature.jsonBytes() }
        expectPackError(.signatureInvalid, mentioning: ["signatures/pack.sig"]) {
            try PackReader().open(archive, policy: .devOK)
        }
    }

    @Test("a file not listed in the SBOM is rejected")
    func extraFile() throws {
        let archive = try Fixtures.rezip(output.files) { $0["assets/smuggled.bin"] = [1, 2, 3] }
        expectPackError(.sbomMismatch, mentioning: ["assets/smuggled.bin"]) {
            try PackReader().open(archive, policy: .devOK)
        }
        let underSignatures = try Fixtures.rezip(output.files) { $0["signatures/extra.txt"] = [1] }
        expectPackError(.sbomMismatch, mentioning: ["signatures/extra.txt"]) {
            try PackReader().open(underSignatures, policy: .devOK)
        }
    }

    @Test("an SBOM entry without its file is rejected")
    func missingListedFile() throws {
        let archive = try Fixtures.rezip(output.files) { $0["flows/other/flow.yaml"] = nil }
        expectPackError(.sbomMismatch, mentioning: ["flows/other/flow.yaml"]) {
            try PackReader().open(archive, policy: .devOK)
        }
    }

    @Test("missing manifest.cbor or sbom.json is a missing file", arguments: ["manifest.cbor", "sbom.json"])
    func missingCoreFiles(path: String) throws {
        let archive = try Fixtures.rezip(output.files) { $0[path] = nil }
        expectPackError(.missingFile, mentioning: [path]) { try PackReader().open(archive, policy: .devOK) }
    }

    @Test("a dev-signed pack is untrusted under strict and accepted under devOK")
    func devSignedPolicy() throws {
        expectPackError(.untrustedSigner, mentioning: ["greentic-dev-local", "PACK_VERIFY_STRICT"]) {
            try PackReader().open(output.archive, policy: .strict)
        }
        let pack = try PackReader().open(output.archive, policy: .devOK)
        #expect(pack.report.policy == .devOK)
        #expect(pack.manifest.meta.packID == "dev.greentic.test")
    }

    @Test("a pack signed with a real key passes strict verification")
    func realKeyStrict() throws {
        let key = PackSigningKey.generate(commonName: "acme-release")
        let pack = try PackReader().open(try Fixtures.build(key: key).archive, policy: .strict)
        #expect(pack.signerPublicKey == key.publicKeyString)
        #expect(!pack.isDevelopmentSigned)
        #expect(pack.report.signatureOK)
    }

    @Test("any self-issued certificate named greentic-dev-local is untrusted under strict")
    func devNameOnRealKey() throws {
        let key = PackSigningKey.generate(commonName: PackSigningKey.developmentCommonName)
        expectPackError(.untrustedSigner) {
            try PackReader().open(try Fixtures.build(key: key).archive, policy: .strict)
        }
    }

    @Test("a chain with two certificates is a warning under devOK")
    func multiCertificateChain() throws {
        let extra = try PackSigningKey.generate().certificateChainPEM()
        let archive = try Fixtures.rezip(output.files) { files in
            files["signatures/chain.pem"] = (files["signatures/chain.pem"] ?? []) + Array(extra.utf8)
        }
        let pack = try PackReader().open(archive, policy: .devOK)
        #expect(pack.report.warnings.count == 1)
        #expect(pack.report.warnings.first?.contains("2 certificates") == true)
    }

    @Test("the size limits are configurable and name the entry")
    func configurableLimits() throws {
        expectPackError(.tooLarge, mentioning: ["manifest.json", "limit is 1000"]) {
            try PackReader(limits: .init(maxEntryBytes: 1000)).open(output.archive, policy: .devOK)
        }
        expectPackError(.tooLarge, mentioning: ["1000"]) {
            try PackReader(limits: .init(maxArchiveBytes: 1000)).open(output.archive, policy: .devOK)
        }
        expectPackError(.tooLarge) {
            try PackReader(limits: .init(maxEntries: 3)).open(output.archive, policy: .devOK)
        }
    }

    @Test("the pack written by another tool (Python, DEFLATE, unsorted) verifies, also under strict")
    func foreignPack() throws {
        let archive = Array(try Data(contentsOf: Fixtures.resource("foreign/foreign.gtpack")))
        let publicKey = try String(contentsOf: Fixtures.resource("foreign/foreign.pub"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let pack = try PackReader().open(archive, policy: .strict)
        #expect(pack.signerPublicKey == publicKey)
        #expect(!pack.isDevelopmentSigned)
        #expect(pack.manifest.meta.packID == "dev.greentic.foreign")
        #expect(pack.manifest.meta.annotations == ["origin": "python"])
        #expect(pack.manifest.meta.entryFlows == ["hello"])
        #expect(pack.manifest.flows.first?.entry == "greet")
        #expect(pack.manifest.components.first?.capabilities == nil)
        #expect(pack.componentWasm(name: "echo") == Fixtures.wasm)
        #expect(pack.flowYAML(id: "hello")?.contains("Hello from Python") == true)
        #expect(pack.file("assets/notes.txt") == Array("made by make-foreign-gtpack.py\n".utf8))
        #expect(pack.report.warnings.isEmpty)
        #expect(try IndexVerificationKey(parsing: publicKey).rawKey.count == 32)
    }
}
