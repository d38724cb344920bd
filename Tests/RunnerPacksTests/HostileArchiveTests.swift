import Foundation
import RunnerTestSupport
import Testing
import ZIPFoundation

@testable import RunnerPacks

@Suite("Hostile archives never crash the reader")
struct HostileArchiveTests {
    let output: PackBuilder.Output

    init() throws {
        output = try Fixtures.build()
    }

    private func rejects(_ archive: [UInt8], limits: PackReader.Limits = .init()) -> PackError? {
        do {
            _ = try PackReader(limits: limits).open(archive, policy: .devOK)
            return nil
        } catch {
            return error
        }
    }

    @Test("garbage bytes are rejected")
    func garbage() {
        var generator = SeededGenerator(state: 42)
        var inputs: [[UInt8]] = [[], [0x50, 0x4B], [UInt8](repeating: 0, count: 4096), Array("PK\u{5}\u{6}".utf8)]
        for _ in 0..<200 {
            let length = Int.random(in: 0..<3000, using: &generator)
            inputs.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        for _ in 0..<100 {
            // Random bytes followed by an end record with random fields: exercises the directory checks.
            var bytes = (0..<Int.random(in: 0..<600, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            bytes.appendLE32(ZipFormat.endOfCentralDirectorySignature)
            for _ in 0..<4 { bytes.appendLE16(UInt16.random(in: 0...3, using: &generator)) }
            bytes.appendLE32(UInt32.random(in: 0...700, using: &generator))
            bytes.appendLE32(UInt32.random(in: 0...700, using: &generator))
            bytes.appendLE16(0)
            inputs.append(bytes)
        }
        for input in inputs {
            #expect(rejects(input) != nil, "\(input.count) garbage bytes were accepted")
        }
    }

    @Test("every truncation of a valid pack is rejected")
    func truncations() {
        let archive = output.archive
        for length in stride(from: 0, to: archive.count, by: 97) {
            #expect(rejects(Array(archive.prefix(length))) != nil, "prefix of \(length) bytes accepted")
            #expect(rejects(Array(archive.dropFirst(archive.count - length))) != nil, "suffix of \(length) accepted")
        }
        #expect(rejects(Array(archive.dropLast())) != nil)
    }

    @Test("a flipped byte anywhere is rejected or changes nothing that matters")
    func flippedArchiveBytes() throws {
        let archive = output.archive
        var rejected = 0
        for index in stride(from: 0, to: archive.count, by: 11) {
            var copy = archive
            copy[index] ^= 0x5A
            do {
                let pack = try PackReader().open(copy, policy: .devOK)
                // Only metadata the format ignores (times, attributes' low bits) may change undetected.
                #expect(pack.files == output.files, "byte \(index) changed content without being detected")
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > archive.count / 11 / 2)
    }

    @Test("a flipped byte in each file (CRC recomputed) is detected")
    func flippedFileBytes() throws {
        for path in output.files.keys.sorted() {
            let archive = try Fixtures.rezip(output.files) { files in
                var bytes = files[path] ?? []
                bytes[bytes.count / 2] ^= 0x01
                files[path] = bytes
            }
            let error = rejects(archive)
            #expect(error != nil, "a flipped byte in \(path) was not detected")
        }
    }

    @Test(
        "unsafe entry names are rejected",
        arguments: [
            "/etc/passwd", "../escape", "flows/../../escape", "flows//x", "./manifest.json", "a\\b", "C:/x", "flows/",
            "a/./b", "tab\there",
        ]
    )
    func unsafeNames(name: String) {
        let archive = RawZip(entries: [.init(name: name, data: [1, 2, 3])]).bytes()
        #expect(rejects(archive)?.code == .invalidArchive)
        #expect(rejects(archive)?.message.contains(name) == true)
    }

    @Test("symlinks, directories and special files are rejected")
    func nonRegularFiles() {
        for (attributes, word) in [
            (UInt32(0o120777) << 16, "symbolic link"), (0o040755 << 16, "directory"),
            (0o020644 << 16, "not a regular file"), (0x10, "directory"),
        ] {
            let archive = RawZip(entries: [.init(name: "manifest.cbor", data: [1], externalAttributes: attributes)])
                .bytes()
            let error = rejects(archive)
            #expect(error?.code == .invalidArchive)
            #expect(error?.message.contains(word) == true, "\(String(describing: error))")
        }
    }

    @Test("duplicate entries are rejected")
    func duplicates() {
        let archive = RawZip(entries: [.init(name: "sbom.json", data: [1]), .init(name: "sbom.json", data: [2])])
            .bytes()
        #expect(rejects(archive)?.code == .invalidArchive)
        #expect(rejects(archive)?.message.contains("more than once") == true)
    }

    @Test("overlapping entries are rejected")
    func overlapping() {
        let inner = RawZip(entries: [.init(name: "b", data: Array("xyz".utf8))]).bytes()
        let innerLocal = Array(inner.prefix(30 + 1 + 3))
        var outer = RawZip(entries: [
            .init(name: "a", data: innerLocal),
            .init(name: "b", data: Array("xyz".utf8), localOffset: 31, writeLocal: false),
        ])
        outer.entryCountOverride = nil
        let error = rejects(outer.bytes())
        #expect(error?.code == .invalidArchive)
        #expect(error?.message.contains("overlap") == true, "\(String(describing: error))")
    }

    @Test("declared sizes beyond the limits are refused before inflating")
    func declaredSizeBombs() {
        let huge = RawZip(entries: [.init(name: "manifest.cbor", data: [1], method: 8, uncompressedSize: 0x7FFF_FFFF)])
        #expect(rejects(huge.bytes())?.code == .tooLarge)
        #expect(rejects(huge.bytes())?.message.contains("manifest.cbor") == true)
        let many = RawZip(
            entries: (0..<6).map {
                .init(name: "assets/\($0)", data: [1], method: 8, uncompressedSize: 15 << 20)
            }
        )
        #expect(rejects(many.bytes())?.code == .tooLarge)
        let count = RawZip(entries: [], entryCountOverride: 60_000)
        #expect(rejects(count.bytes()) != nil)
    }

    @Test("a DEFLATE stream that inflates past its declared size is stopped")
    func inflationBomb() throws {
        let zeros = Data(count: 4 << 20)
        var compressed = Data()
        _ = try Data.compress(
            size: Int64(zeros.count),
            bufferSize: 64 * 1024,
            provider: { position, size in zeros.subdata(in: Int(position)..<(Int(position) + size)) },
            consumer: { compressed.append($0) }
        )
        #expect(compressed.count < 64 * 1024)
        let lying = RawZip(entries: [
            .init(
                name: "manifest.cbor",
                data: Array(compressed),
                method: 8,
                uncompressedSize: 1000,
                crcOf: Array(zeros)
            )
        ])
        let error = rejects(lying.bytes())
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("inflates to more than") == true)
        let honest = RawZip(entries: [
            .init(
                name: "assets/zeros",
                data: Array(compressed),
                method: 8,
                uncompressedSize: UInt32(zeros.count),
                crcOf: Array(zeros)
            )
        ])
        #expect(rejects(honest.bytes(), limits: .init(maxEntryBytes: 1 << 20))?.code == .tooLarge)
        #expect(rejects(honest.bytes())?.code == .missingFile, "inflates fine, but is not a pack")
        let truncated = RawZip(entries: [
            .init(
                name: "x",
                data: Array(compressed.prefix(compressed.count / 2)),
                method: 8,
                uncompressedSize: UInt32(zeros.count),
                crcOf: Array(zeros)
            )
        ])
        #expect(rejects(truncated.bytes())?.code == .invalidArchive)
        #expect(rejects(truncated.bytes())?.message.contains("truncated") == true)
    }

    @Test("malformed structure is rejected", arguments: 0..<9)
    func malformedStructure(variant: Int) {
        var zip = RawZip(entries: [.init(name: "manifest.cbor", data: [1, 2, 3])])
        switch variant {
        case 0: zip.entries[0].crc = 0xDEAD_BEEF
        case 1: zip.entries[0].flags = 1  // encrypted
        case 2: zip.entries[0].method = 12  // bzip2
        case 3: zip.entries[0].uncompressedSize = 99  // stored size mismatch
        case 4: zip.entries[0].localName = "manifest.cbox"
        case 5: zip.entries[0].localOffset = 5000
        case 6: zip.entryCountOverride = 2
        case 7: zip.entries[0].uncompressedSize = UInt32.max  // ZIP64 marker
        default: zip.comment = [1, 2, 3]
        }
        var bytes = zip.bytes()
        if variant == 8 { bytes.removeLast() }  // comment length no longer matches
        let error = rejects(bytes)
        #expect(error?.code == .invalidArchive || error?.code == .tooLarge, "\(String(describing: error))")
    }
}
