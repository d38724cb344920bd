import Foundation
import RunnerCore
import Testing

@testable import RunnerPacks

@Suite("PackBuilder and PackSource")
struct PackBuilderTests {
    @Test("a folder builds, opens and round-trips manifest, flows and component bytes")
    func folderRoundTrip() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Fixtures.writeSource(in: directory)
        var compiled: [String] = []
        let input = try PackSource(directory: directory).load(sourceDateEpoch: "1700000000") { text in
            compiled.append(text)
            return Fixtures.wasm
        }
        #expect(compiled == ["(module)"])
        #expect(input.builtAtUTC == "2023-11-14T22:13:20Z")
        let output = try PackBuilder().build(input)
        let pack = try PackReader().open(output.archive, policy: .devOK)

        #expect(pack.manifest == output.manifest)
        #expect(pack.manifest.meta.packID == "dev.greentic.folder")
        #expect(pack.manifest.meta.version == "1.2.3")
        #expect(pack.manifest.meta.createdAtUTC == "2023-11-14T22:13:20Z")
        #expect(pack.manifest.meta.annotations == ["owner": "packs-team"])
        #expect(pack.manifest.flows.map(\.id) == ["hello", "other"])
        #expect(pack.manifest.flows.map(\.kind) == ["messaging", "webhook"])
        #expect(pack.manifest.components.map { "\($0.name)@\($0.version)" } == ["echo@0.3.0", "text@1.2.3"])
        #expect(pack.manifest.components.first?.world == "greentic:component/component@0.6.0")
        #expect(pack.componentWasm(name: "echo") == Fixtures.wasm)
        #expect(pack.componentWasm(name: "text", version: "1.2.3") == Fixtures.wasm)
        #expect(pack.flowYAML(id: "hello") == Fixtures.helloFlow, "CRLF must be normalised to LF")
        #expect(pack.file("assets/templates/greeting.hbs") == Array("Hello {{name}}".utf8))
        #expect(pack.file("flows/README.md/flow.yaml") == nil)
        #expect(pack.report.signatureOK && pack.report.sbomOK && pack.report.warnings.isEmpty)
        #expect(pack.isDevelopmentSigned)
        #expect(pack.signerPublicKey == PackSigningKey.developmentKey.publicKeyString)
        #expect(pack.digest == output.signingDigest)
    }

    @Test("two builds of the same folder are byte-identical")
    func deterministicFolderBuild() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Fixtures.writeSource(in: directory)
        let first = try PackBuilder().build(PackSource(directory: directory).load(compileWAT: Fixtures.compileWAT))
        let second = try PackBuilder().build(PackSource(directory: directory).load(compileWAT: Fixtures.compileWAT))
        #expect(first.archive == second.archive)
        #expect(first.manifest.meta.createdAtUTC == UTCTimestamp.zipEpoch)
    }

    @Test("a different key gives different signature and certificate bytes, the same content")
    func differentKeyDifferentSignature() throws {
        let dev = try Fixtures.build()
        let other = try Fixtures.build(key: PackSigningKey(seed: [UInt8](repeating: 7, count: 32)))
        #expect(dev.archive != other.archive)
        #expect(dev.files["signatures/pack.sig"] != other.files["signatures/pack.sig"])
        #expect(dev.files["signatures/chain.pem"] != other.files["signatures/chain.pem"])
        #expect(dev.files["manifest.cbor"] == other.files["manifest.cbor"])
        #expect(dev.signingDigest == other.signingDigest)
        #expect(try Fixtures.build().archive == dev.archive)
    }

    @Test("archive entries are sorted, stored, dated 1980-01-01 and mode 0644")
    func zipLayout() throws {
        let output = try Fixtures.build()
        let archive = output.archive
        var names: [String] = []
        var offset = 0
        while archive.readLE32(at: offset) == ZipFormat.localHeaderSignature {
            #expect(archive.readLE16(at: offset + 8) == 0, "stored")
            #expect(archive.readLE16(at: offset + 10) == 0x0000, "00:00")
            #expect(archive.readLE16(at: offset + 12) == 0x0021, "1980-01-01")
            let size = Int(archive.readLE32(at: offset + 18) ?? 0)
            let nameLength = Int(archive.readLE16(at: offset + 26) ?? 0)
            names.append(String(decoding: archive[(offset + 30)..<(offset + 30 + nameLength)], as: UTF8.self))
            offset += 30 + nameLength + size
        }
        #expect(names == names.sorted())
        #expect(Set(names) == Set(output.files.keys))
        #expect(
            names == [
                "components/echo@0.1.0/component.wasm", "flows/hello/flow.json", "flows/hello/flow.yaml",
                "flows/other/flow.json", "flows/other/flow.yaml", "manifest.cbor", "manifest.json", "provenance.json",
                "sbom.json", "signatures/chain.pem", "signatures/pack.sig",
            ]
        )
        var central = offset
        while archive.readLE32(at: central) == ZipFormat.centralHeaderSignature {
            #expect(archive.readLE32(at: central + 38) == 0o100644 << 16)
            central += 46 + Int(archive.readLE16(at: central + 28) ?? 0)
        }
        #expect(archive.readLE32(at: central) == ZipFormat.endOfCentralDirectorySignature)
    }

    @Test("file formats: self-described CBOR, pretty JSON, canonical flow JSON, provenance, pack.sig")
    func fileFormats() throws {
        let output = try Fixtures.build()
        let cbor = try #require(output.files["manifest.cbor"])
        #expect(Array(cbor.prefix(3)) == [0xD9, 0xD9, 0xF7])
        #expect(try PackManifest(cbor: cbor) == output.manifest)
        #expect(try PackManifest(cbor: Array(cbor.dropFirst(3))) == output.manifest, "the tag is optional when reading")
        expectPackError(.invalidManifest, mentioning: ["manifest.cbor"]) { try PackManifest(cbor: [0xA0]) }
        let json = String(decoding: try #require(output.files["manifest.json"]), as: UTF8.self)
        #expect(json.hasPrefix("{\n  \"meta\": {\n    \"pack_id\": \"dev.greentic.test\",\n    \"version\": \"0.1.0\""))
        #expect(json.contains("\"schema_file\": null"))
        #expect(json.contains("\"annotations\": {\n      \"team\": \"packs\",\n      \"tier\": 1\n    }"))

        let flowJSON = try #require(output.files["flows/hello/flow.json"])
        let parsed = try JSONValue(parsing: flowJSON)
        #expect(flowJSON == parsed.serializedBytes(), "canonical: compact with sorted keys")
        #expect(parsed["nodes"]?["greet"]?["qa.process"]?["welcome"] == "Hi {{input.text}}")
        let hello = try #require(output.manifest.flow(id: "hello"))
        #expect(hello.hashBLAKE3 == PackSigningDigest.blake3Hex(flowJSON))
        #expect(hello.entry == "greet")
        #expect(output.manifest.flow(id: "other")?.entry == "in", "no start, node `in` exists")

        let provenance = String(decoding: try #require(output.files["provenance.json"]), as: UTF8.self)
        #expect(
            provenance
                == "{\n  \"builder\": \"greentic-runner@0.1.0\",\n  \"git_commit\": null,\n  \"git_repo\": null,\n"
                + "  \"toolchain\": null,\n  \"built_at_utc\": \"2025-01-02T03:04:05Z\",\n  \"host\": null,\n  \"notes\": null\n}"
        )
        let signature = try PackSignature(json: try #require(output.files["signatures/pack.sig"]))
        #expect(signature.alg == "ed25519")
        #expect(signature.digest == output.signingDigest)
        #expect(signature.signedAtUTC == "2025-01-02T03:04:05Z")
        #expect(signature.keyFingerprint == PackSigningKey.developmentKey.fingerprint)
        #expect(try signature.signatureBytes().count == 64)
        let sbom = try SBOM(json: try #require(output.files["sbom.json"]))
        #expect(sbom.files.map(\.path) == sbom.files.map(\.path).sorted())
        #expect(!sbom.files.contains { $0.path == "sbom.json" || $0.path.hasPrefix("signatures/") })
        #expect(sbom.files.first { $0.path.hasSuffix(".wasm") }?.mediaType == "application/wasm")
        #expect(sbom.files.first { $0.path == "manifest.cbor" }?.mediaType == "application/cbor")
    }

    @Test("entry is start, else `in`, else the first node in sorted order")
    func entryRules() throws {
        #expect(try FlowSummary(yaml: "id: a\ntype: timer\nstart: s\nnodes: {s: {}, in: {}}", source: "t").entry == "s")
        #expect(try FlowSummary(yaml: "id: a\ntype: timer\nnodes: {b: {}, in: {}}", source: "t").entry == "in")
        #expect(try FlowSummary(yaml: "id: a\ntype: timer\nnodes: {c: {}, b: {}}", source: "t").entry == "b")
        expectPackError(.invalidSource, mentioning: ["t", "nodes"]) {
            try FlowSummary(yaml: "id: a\ntype: timer\nnodes: {}", source: "t")
        }
        expectPackError(.invalidSource, mentioning: ["t", "type"]) {
            try FlowSummary(yaml: "id: a\nnodes: {a: {}}", source: "t")
        }
        expectPackError(.invalidSource, mentioning: ["id"]) {
            try FlowSummary(yaml: "id: ../x\ntype: timer\nnodes: {a: {}}", source: "t")
        }
    }

    @Test("bad inputs are rejected with the field or file named")
    func invalidInputs() throws {
        var input = Fixtures.input()
        input.meta.version = "1.0"
        expectPackError(.invalidSource, mentioning: ["version", "1.0"]) { try PackBuilder().build(input) }
        input = Fixtures.input()
        input.meta.entryFlows = ["missing"]
        expectPackError(.invalidSource, mentioning: ["missing"]) { try PackBuilder().build(input) }
        input = Fixtures.input()
        input.components[0].wasm = Array("not wasm".utf8)
        expectPackError(.invalidSource, mentioning: ["echo"]) { try PackBuilder().build(input) }
        input = Fixtures.input()
        input.flows.append(.init(yaml: Fixtures.helloFlow, source: "copy.ygtc"))
        expectPackError(.invalidSource, mentioning: ["copy.ygtc", "hello"]) { try PackBuilder().build(input) }
        input = Fixtures.input()
        input.flows = []
        expectPackError(.invalidSource, mentioning: ["flow"]) { try PackBuilder().build(input) }
    }

    @Test("source folder problems name the file")
    func invalidFolders() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        expectPackError(.notFound, mentioning: ["pack.yaml"]) {
            try PackSource(directory: directory).load(compileWAT: Fixtures.compileWAT)
        }
        try Fixtures.writeSource(in: directory)
        try Data("(module)".utf8).write(to: directory.appendingPathComponent("components/echo/component.wat"))
        expectPackError(.invalidSource, mentioning: ["components/echo", "exactly one"]) {
            try PackSource(directory: directory).load(compileWAT: Fixtures.compileWAT)
        }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("components/echo/component.wat"))
        struct CompileFailure: Error {}
        expectPackError(.invalidSource, mentioning: ["components/text/component.wat"]) {
            try PackSource(directory: directory).load { _ in throw CompileFailure() }
        }
        expectPackError(.invalidSource, mentioning: ["SOURCE_DATE_EPOCH"]) {
            try PackSource(directory: directory).load(sourceDateEpoch: "yesterday", compileWAT: Fixtures.compileWAT)
        }
        try Data("pack_id: x\nname: y\n".utf8).write(to: directory.appendingPathComponent("pack.yaml"))
        expectPackError(.invalidSource, mentioning: ["pack.yaml", "version"]) {
            try PackSource(directory: directory).load(compileWAT: Fixtures.compileWAT)
        }
    }

    @Test(
        "timestamps are formatted in UTC without the clock",
        arguments: [
            ("0", "1970-01-01T00:00:00Z"), ("315532800", "1980-01-01T00:00:00Z"),
            ("1700000000", "2023-11-14T22:13:20Z"), ("951782400", "2000-02-29T00:00:00Z"),
        ]
    )
    func timestamps(epoch: String, expected: String) throws {
        #expect(try PackSource.buildTimestamp(sourceDateEpoch: epoch) == expected)
        #expect(try PackSource.buildTimestamp(sourceDateEpoch: nil) == "1980-01-01T00:00:00Z")
    }
}
