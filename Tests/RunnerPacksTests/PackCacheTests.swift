import Foundation
import Testing

@testable import RunnerPacks

@Suite("PackCache and PackLoader")
struct PackCacheTests {
    let archive: [UInt8]
    let digest: String

    init() throws {
        archive = try Fixtures.build().archive
        digest = PackDigest.sha256(of: archive)
    }

    private func entry(
        digest: String? = nil,
        signature: String? = nil,
        version: String? = "0.1.0"
    ) throws
        -> PackIndexEntry
    {
        PackIndexEntry(
            name: "dev.greentic.test",
            version: version,
            digest: digest,
            locator: try PackLocator(parsing: "https://packs.example.com/test.gtpack"),
            signature: signature
        )
    }

    private func loader(
        _ resolver: RecordingResolver,
        root: URL,
        configuration: PackLoader.Configuration = .init()
    )
        -> PackLoader
    {
        PackLoader(
            registry: PackResolverRegistry(resolvers: ["https": resolver]),
            cache: PackCache(root: root),
            configuration: configuration
        )
    }

    @Test("the first resolve writes <root>/sha256/<hex>.gtpack")
    func firstResolveWritesCache() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let resolver = RecordingResolver(bytes: archive)
        let resolved = try await loader(resolver, root: root).load(try entry(digest: digest))
        let hex = String(digest.dropFirst(7))
        #expect(resolved.cachePath.path == root.appendingPathComponent("sha256/\(hex).gtpack").path)
        #expect(Array(try Data(contentsOf: resolved.cachePath)) == archive)
        #expect(resolved.digest == digest)
        #expect(!resolved.fromCache)
        #expect(resolved.loaded.manifest.meta.packID == "dev.greentic.test")
        #expect(resolver.requests.count == 1)
        #expect(resolver.requests.first?.maxBytes == 64 << 20)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("sha256").path)
        #expect(leftovers == ["\(hex).gtpack"], "no temporary files remain")
    }

    @Test("a pinned digest in the cache is served without calling the resolver (restart)")
    func pinnedDigestSkipsResolver() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try await loader(RecordingResolver(bytes: archive), root: root).load(try entry(digest: digest))
        let second = RecordingResolver(bytes: [])
        let resolved = try await loader(second, root: root).load(try entry(digest: digest.uppercased()))
        #expect(second.requests.isEmpty)
        #expect(resolved.fromCache)
        #expect(resolved.loaded.manifest.meta.packID == "dev.greentic.test")
    }

    @Test("a corrupt cached file is deleted and fetched again")
    func corruptEntryRefetched() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = PackCache(root: root)
        let url = try cache.url(for: digest)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(archive.dropLast(10)).write(to: url)
        #expect(try cache.cachedBytes(for: digest) == nil)
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try Data("garbage".utf8).write(to: url)
        let resolver = RecordingResolver(bytes: archive)
        let resolved = try await loader(resolver, root: root).load(try entry(digest: digest))
        #expect(resolver.requests.count == 1)
        #expect(!resolved.fromCache)
        #expect(Array(try Data(contentsOf: url)) == archive)
    }

    @Test("eviction keeps in-use digests and drops the least recently used first")
    func eviction() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let blobs = (0..<4).map { [UInt8](repeating: UInt8($0), count: 1000) }
        let writer = PackCache(root: root)
        let digests = try blobs.map { try writer.store($0).digest }
        for (offset, digest) in digests.enumerated() {
            let date = Date(timeIntervalSince1970: 1_000_000 + Double(offset) * 100)
            try FileManager.default.setAttributes(
                [.modificationDate: date],
                ofItemAtPath: try writer.url(for: digest).path
            )
        }
        // Oldest is digests[0]; it is in use, so digests[1] goes first, then digests[2].
        let cache = PackCache(root: root, maxTotalBytes: 2000)
        let removed = cache.evict(keeping: [digests[0].uppercased()])
        #expect(removed == [digests[1], digests[2]])
        #expect(Set(cache.entries().map(\.digest)) == [digests[0], digests[3]])
        #expect(PackCache(root: root, maxTotalBytes: 0).evict(keeping: [digests[0]]) == [digests[3]])
        #expect(cache.entries().map(\.digest) == [digests[0]])
        #expect(try cache.cachedBytes(for: digests[0]) == blobs[0])
        #expect(try cache.cachedBytes(for: digests[1]) == nil)
    }

    @Test("the digest pin is checked and the error names the pack and both digests")
    func digestMismatch() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let wrong = "sha256:" + String(repeating: "0", count: 64)
        await expectPackErrorAsync(.digestMismatch, mentioning: ["dev.greentic.test", wrong, digest]) {
            try await loader(RecordingResolver(bytes: archive), root: root).load(try entry(digest: wrong))
        }
    }

    @Test("with PACK_PUBLIC_KEY the index signature is required and checked")
    func indexSignature() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let key = PackSigningKey.generate()
        let configuration = PackLoader.Configuration(
            policy: .devOK,
            indexKey: try IndexVerificationKey(parsing: key.publicKeyString)
        )
        let resolver = RecordingResolver(bytes: archive)
        await expectPackErrorAsync(.indexSignatureInvalid, mentioning: ["signature missing"]) {
            try await loader(resolver, root: root, configuration: configuration).load(try entry())
        }
        let wrong = try PackSigningKey.generate().signIndexDigest(digest)
        await expectPackErrorAsync(.indexSignatureInvalid, mentioning: ["dev.greentic.test"]) {
            try await loader(resolver, root: root, configuration: configuration).load(try entry(signature: wrong))
        }
        let good = try key.signIndexDigest(digest)
        let resolved = try await loader(resolver, root: root, configuration: configuration).load(
            try entry(signature: good)
        )
        #expect(resolved.digest == digest)
    }

    @Test("the loader applies the policy and prefixes archive errors with the pack name")
    func policyAndErrors() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let strict = PackLoader.Configuration(policy: .strict)
        await expectPackErrorAsync(.untrustedSigner, mentioning: ["pack dev.greentic.test"]) {
            try await loader(RecordingResolver(bytes: archive), root: root, configuration: strict).load(try entry())
        }
        await expectPackErrorAsync(.invalidArchive, mentioning: ["pack dev.greentic.test"]) {
            try await loader(RecordingResolver(bytes: [1, 2, 3]), root: root).load(try entry())
        }
        let resolved = try await loader(RecordingResolver(bytes: archive), root: root).load(try entry(version: "9.9.9"))
        #expect(resolved.loaded.report.warnings.contains { $0.contains("9.9.9") })
    }

    @Test("an unchanged entity tag reuses the cached copy")
    func entityTags() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let resolver = RecordingResolver(bytes: archive, etag: "\"v1\"")
        let packs = loader(resolver, root: root)
        _ = try await packs.load(try entry())
        let second = try await packs.load(try entry())
        #expect(resolver.requests.map(\.previousETag) == [nil, "\"v1\""])
        #expect(second.fromCache)
        #expect(second.digest == digest)
    }

    @Test("a not-modified answer is still checked against a changed pin")
    func notModifiedChecksThePin() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let resolver = RecordingResolver(bytes: archive, etag: "\"v1\"")
        let packs = loader(resolver, root: root)
        _ = try await packs.load(try entry())
        // The index now pins other bytes, which are not cached; the server still says `not
        // modified`, so the cached copy comes back — and must not pass for the new pin.
        let otherPin = PackDigest.sha256(of: Array("other bytes".utf8))
        await expectPackErrorAsync(.digestMismatch, mentioning: ["dev.greentic.test"]) {
            _ = try await packs.fetch(try entry(digest: otherPin))
        }
        #expect(resolver.requests.map(\.previousETag) == [nil, "\"v1\""])
    }

    @Test("a file index resolves end to end through the file resolver")
    func fileEndToEnd() async throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("packs"),
            withIntermediateDirectories: true
        )
        try Data(archive).write(to: root.appendingPathComponent("packs/demo.gtpack"))
        let index = """
            {"acme": {"main_pack": {"name": "demo", "digest": "\(digest)", "locator": "./packs/demo.gtpack"}, "overlays": []}}
            """
        try Data(index.utf8).write(to: root.appendingPathComponent("index.json"))
        let parsed = try PackIndex(contentsOfFile: root.appendingPathComponent("index.json").path)
        let entry = try #require(parsed.tenants["acme"]?.main)
        let packs = PackLoader(cache: PackCache(root: root.appendingPathComponent(".packs")))
        let resolved = try await packs.load(entry)
        #expect(resolved.loaded.manifest.meta.packID == "dev.greentic.test")
        #expect(resolved.cachePath.path.hasPrefix(root.appendingPathComponent(".packs/sha256").path))
    }
}
