import Foundation
import Testing

@testable import RunnerPacks

@Suite("PackIndex parsing and locators")
struct PackIndexTests {
    let base = PackLocator.Base.directory(URL(fileURLWithPath: "/srv/greentic"))

    @Test("the flat form and the tenants wrapper parse to the same model")
    func bothForms() throws {
        let flat = """
            {"acme": {"main_pack": {"name": "ai.greentic.demo", "version": "0.1.0", "locator": "./packs/demo.gtpack",
              "digest": "sha256:c6ba298a9a4154f8fff7486b6594b4235a771b525824bfe48e691ed16ff8ab37", "future": true},
              "overlays": [{"name": "overlay", "digest": "sha256:00", "locator": "packs/o.gtpack", "signature": "c2ln"}]},
             "beta": {"main_pack": {"name": "b", "version": "1.0.0", "locator": "fs:///opt/b.gtpack"}}}
            """
        let wrapped = """
            {"version": 1, "tenants": {
              "acme": {"main_pack": {"reference": {"name": "ai.greentic.demo", "version": "0.1.0"},
                "path": "./packs/demo.gtpack",
                "digest": "sha256:c6ba298a9a4154f8fff7486b6594b4235a771b525824bfe48e691ed16ff8ab37"},
                "overlays": [{"reference": {"name": "overlay"}, "digest": "sha256:00", "path": "packs/o.gtpack",
                  "signature": "c2ln"}]},
              "beta": {"main_pack": {"name": "b", "reference": {"version": "1.0.0"}, "locator": "fs:///opt/b.gtpack"}}}}
            """
        let first = try PackIndex(parsing: Array(flat.utf8), base: base)
        let second = try PackIndex(parsing: Array(wrapped.utf8), base: base)
        #expect(first.tenantIDs == ["acme", "beta"])
        #expect(first.tenants["acme"]?.main == second.tenants["acme"]?.main)
        #expect(first.tenants["acme"]?.overlays == second.tenants["acme"]?.overlays)
        #expect(first.tenants["beta"] == second.tenants["beta"])
        let acme = try #require(first.tenants["acme"])
        #expect(acme.main.name == "ai.greentic.demo")
        #expect(acme.main.version == "0.1.0")
        #expect(acme.main.locator.fileURL?.path == "/srv/greentic/packs/demo.gtpack")
        #expect(acme.overlays.first?.locator.fileURL?.path == "/srv/greentic/packs/o.gtpack")
        #expect(acme.overlays.first?.pinnedVersion == "sha256:00", "a digest doubles as the version")
        #expect(acme.overlays.first?.signature == "c2ln")
        #expect(acme.allEntries.count == 2)
    }

    @Test("a relative index path resolves locators against the index file's directory")
    func relativeIndexPath() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let examples = root.appendingPathComponent("examples")
        try FileManager.default.createDirectory(
            at: examples.appendingPathComponent("packs"),
            withIntermediateDirectories: true
        )
        let index = """
            {"acme": {"main_pack": {"name": "a", "version": "0.1.0", "locator": "./packs/demo.gtpack"}},
             "beta": {"main_pack": {"name": "b", "version": "0.1.0", "locator": "packs/demo.gtpack"}},
             "gamma": {"main_pack": {"name": "c", "version": "0.1.0", "locator": "fs://packs/demo.gtpack"}}}
            """
        try Data(index.utf8).write(to: examples.appendingPathComponent("index.json"))
        // A path like `examples/index.json`, relative to the working directory.
        let cwd = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: cwd) + String(examples.path.dropFirst()) + "/index.json"
        #expect(!relative.hasPrefix("/"))
        let parsed = try PackIndex(contentsOfFile: relative)
        let expected = URL(fileURLWithPath: examples.appendingPathComponent("packs/demo.gtpack").path)
            .standardizedFileURL.path
        for tenant in ["acme", "beta", "gamma"] {
            #expect(parsed.tenants[tenant]?.main.locator.fileURL?.path == expected, "\(tenant)")
            #expect(parsed.tenants[tenant]?.main.locator.target == "fs://" + expected)
        }
        let relativeDirectory = try PackLocator(
            parsing: "./packs/x.gtpack",
            base: .directory(URL(fileURLWithPath: "examples"))
        )
        #expect(
            relativeDirectory.fileURL?.path == FileManager.default.currentDirectoryPath + "/examples/packs/x.gtpack"
        )
    }

    @Test("PACK_INDEX_URL values give the base for relative locators")
    func indexLocations() throws {
        let cwd = FileManager.default.currentDirectoryPath
        func directory(_ base: PackLocator.Base) -> String? {
            if case .directory(let url) = base { return url.standardizedFileURL.path }
            return nil
        }
        #expect(directory(try PackIndex.base(forIndexLocation: "examples/index.json")) == cwd + "/examples")
        #expect(
            directory(try PackIndex.base(forIndexLocation: "./examples/../examples/index.json")) == cwd + "/examples"
        )
        #expect(directory(try PackIndex.base(forIndexLocation: "file:///srv/idx/index.json")) == "/srv/idx")
        let remote = try PackIndex.base(forIndexLocation: "https://cdn.example.com/index.json")
        #expect(remote == .url(try #require(URL(string: "https://cdn.example.com/index.json"))))
        for bad in ["", "ftp://x/index.json", "file://host/index.json"] {
            expectPackError(.locatorInvalid) { try PackIndex.base(forIndexLocation: bad) }
        }
        let base = try PackIndex.base(forIndexLocation: "examples/index.json")
        #expect(
            try PackLocator(parsing: "./packs/x.gtpack", base: base).fileURL?.path == cwd + "/examples/packs/x.gtpack"
        )
    }

    @Test("an entry without version and digest is rejected naming the tenant")
    func missingPin() {
        let document = #"{"acme": {"main_pack": {"name": "a", "locator": "x.gtpack"}}}"#
        expectPackError(.indexInvalid, mentioning: ["acme", "version or digest"]) {
            try PackIndex(parsing: Array(document.utf8), base: base)
        }
    }

    @Test(
        "bad entries name the tenant and the field",
        arguments: [
            (
                #"{"tenants": {"acme": {"main_pack": {"reference": {"name": "a"}, "path": "p", "version": 5}}}}"#,
                "version"
            ),
            (
                #"{"tenants": {"acme": {"main_pack": {"reference": {"name": "a", "version": "1.0"}, "path": "p"}}}}"#,
                "version"
            ),
            (#"{"tenants": {"acme": {"main_pack": {"version": "1.0.0", "path": "p"}}}}"#, "name"),
            (#"{"tenants": {"acme": {"main_pack": {"name": "a", "version": "1.0.0"}}}}"#, "locator"),
            (#"{"tenants": {"acme": {"overlays": []}}}"#, "main_pack"),
            (
                #"{"tenants": {"acme": {"main_pack": {"name": "a", "version": "1.0.0", "path": "p"}, "overlays": {}}}}"#,
                "overlays"
            ),
            (
                #"{"tenants": {"acme": {"main_pack": {"name": "a", "reference": {"name": "b"}, "version": "1.0.0", "path": "p"}}}}"#,
                "name"
            ),
            (#"{"tenants": {"acme": {"main_pack": {"name": "a", "digest": "c6ba", "path": "p"}}}}"#, "digest"),
            (
                #"{"tenants": {"acme": {"main_pack": {"name": "a", "version": "1.0.0", "path": "p", "locator": "q"}}}}"#,
                "locator"
            ),
            (#"{"tenants": {"acme": []}}"#, "acme"),
            (#"{"acme": {"main_pack": {"name": "a", "version": "1.0.0", "locator": "1bad://x"}}}"#, "locator"),
        ]
    )
    func badEntries(document: String, field: String) {
        do {
            _ = try PackIndex(parsing: Array(document.utf8), base: base)
            Issue.record("accepted \(document)")
        } catch {
            #expect(error.code == .indexInvalid || error.code == .locatorInvalid, "\(error)")
            #expect(error.message.contains("acme"), "\(error.message)")
            #expect(error.message.contains(field), "\(error.message)")
        }
    }

    @Test("documents that are not an object are rejected")
    func notAnObject() {
        for document in ["[]", "42", "{", ""] {
            expectPackError(.indexInvalid) { try PackIndex(parsing: Array(document.utf8)) }
        }
    }

    @Test("one bad tenant does not hide the good ones when parsing in isolation")
    func isolation() throws {
        let document = """
            {"good": {"main_pack": {"name": "g", "version": "1.0.0", "locator": "/p.gtpack"}},
             "bad": {"main_pack": {"name": "b", "locator": "/p.gtpack"}}}
            """
        let (index, rejected) = try PackIndex.parseIsolatingTenants(Array(document.utf8))
        #expect(index.tenantIDs == ["good"])
        #expect(rejected.keys.sorted() == ["bad"])
        #expect(rejected["bad"]?.code == .indexInvalid)
    }

    @Test("locator schemes are parsed into the model")
    func schemes() throws {
        let https = try PackLocator(parsing: "https://packs.example.com/a.gtpack")
        #expect(https.resolverScheme == "https" && https.targetScheme == "https")
        #expect(https.target == "https://packs.example.com/a.gtpack")
        let logical = try PackLocator(parsing: "S3+HTTPS://bucket.s3.amazonaws.com/p.gtpack")
        #expect(logical.resolverScheme == "s3")
        #expect(logical.targetScheme == "https")
        #expect(logical.target == "https://bucket.s3.amazonaws.com/p.gtpack")
        let oci = try PackLocator(parsing: "oci://ghcr.io/acme/pack:1.0.0")
        #expect(oci.resolverScheme == "oci" && oci.target == "oci://ghcr.io/acme/pack:1.0.0" && oci.fileURL == nil)
        for scheme in ["s3", "gcs", "azblob"] {
            #expect(try PackLocator(parsing: "\(scheme)://bucket/key.gtpack").resolverScheme == scheme)
        }
        let file = try PackLocator(parsing: "file:///var/packs/a.gtpack")
        #expect(file.resolverScheme == "fs" && file.fileURL?.path == "/var/packs/a.gtpack")
        let absolute = try PackLocator(parsing: "fs:///var/packs/../packs/a.gtpack", base: base)
        #expect(absolute.fileURL?.path == "/var/packs/a.gtpack")
        let plain = try PackLocator(parsing: "/var/packs/a.gtpack", base: base)
        #expect(plain.target == "fs:///var/packs/a.gtpack")
        let remoteIndex = PackLocator.Base.url(try #require(URL(string: "https://cdn.example.com/idx/index.json")))
        #expect(
            try PackLocator(parsing: "./p/a.gtpack", base: remoteIndex).target
                == "https://cdn.example.com/idx/p/a.gtpack"
        )
        for bad in ["", "https://", "file://host/x", "+s3://x", "http:///nohost"] {
            expectPackError(.locatorInvalid) { try PackLocator(parsing: bad) }
        }
    }

    @Test("PACK_SOURCE decides scheme-less locators when there is no index directory")
    func packSource() throws {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(try PackLocator(parsing: "packs/x.gtpack").fileURL?.path == cwd + "/packs/x.gtpack")
        #expect(try PackLocator(parsing: "packs/x.gtpack", packSource: "FS").resolverScheme == "fs")
        expectPackError(.locatorInvalid, mentioning: ["missing a scheme", "s3"]) {
            try PackLocator(parsing: "packs/x.gtpack", packSource: "s3")
        }
        expectPackError(.locatorInvalid, mentioning: ["PACK_SOURCE", "ftp"]) {
            try PackLocator(parsing: "packs/x.gtpack", packSource: "ftp")
        }
        #expect(try PackLocator(parsing: "packs/x.gtpack", base: base, packSource: "s3").resolverScheme == "fs")
    }

    @Test("the registry reports schemes without a resolver")
    func registryWithoutResolver() async throws {
        let registry = PackResolverRegistry.standard()
        #expect(registry.schemes == ["fs"])
        let locator = try PackLocator(parsing: "s3+https://bucket.s3.amazonaws.com/p.gtpack")
        await expectPackErrorAsync(.locatorInvalid, mentioning: ["no resolver for scheme s3"]) {
            try await registry.fetch(PackFetchRequest(locator: locator))
        }
    }

    @Test("the file resolver names missing files and enforces the size limit")
    func fileResolver() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try PackLocator(parsing: directory.appendingPathComponent("nope.gtpack").path)
        await expectPackErrorAsync(.notFound, mentioning: ["nope.gtpack"]) {
            try await FileResolver().fetch(PackFetchRequest(locator: missing))
        }
        let file = directory.appendingPathComponent("p.gtpack")
        try Data([UInt8](repeating: 1, count: 100)).write(to: file)
        let locator = try PackLocator(parsing: file.path)
        await expectPackErrorAsync(.tooLarge, mentioning: ["p.gtpack"]) {
            try await FileResolver().fetch(PackFetchRequest(locator: locator, maxBytes: 99))
        }
        let result = try await FileResolver().fetch(PackFetchRequest(locator: locator, maxBytes: 100))
        #expect(result == .fetched(FetchedPack(bytes: [UInt8](repeating: 1, count: 100))))
        await expectPackErrorAsync(.io, mentioning: ["directory"]) {
            try await FileResolver().fetch(PackFetchRequest(locator: try PackLocator(parsing: directory.path)))
        }
    }
}
