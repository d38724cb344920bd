@testable import RunnerPacks

/// Writes ZIP archives with every header field under the test's control, to craft hostile input.
struct RawZip {
    struct Entry {
        var name: String
        /// The bytes stored as the entry's data.
        var data: [UInt8]
        var method: UInt16 = 0
        /// Declared uncompressed size (defaults to `data.count`).
        var uncompressedSize: UInt32?
        /// CRC (defaults to the CRC of `data`, or of `crcOf` when set).
        var crc: UInt32?
        var crcOf: [UInt8]?
        var madeBy: UInt16 = 0x0314
        var externalAttributes: UInt32 = 0o100644 << 16
        var flags: UInt16 = 0
        /// Central-directory local-header offset override.
        var localOffset: UInt32?
        /// Whether to write a local header and data at all (false: only a central record).
        var writeLocal = true
        var localName: String?
    }

    var entries: [Entry]
    var entryCountOverride: UInt16?
    var comment: [UInt8] = []

    func bytes() -> [UInt8] {
        var output: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let crc = entry.crc ?? ZipFormat.crc32(entry.crcOf ?? entry.data)
            let size = entry.uncompressedSize ?? UInt32(entry.data.count)
            let offset = entry.localOffset ?? UInt32(output.count)
            if entry.writeLocal {
                let localName = Array((entry.localName ?? entry.name).utf8)
                output.appendLE32(ZipFormat.localHeaderSignature)
                output.appendLE16(20)
                output.appendLE16(entry.flags)
                output.appendLE16(entry.method)
                output.appendLE16(0)
                output.appendLE16(0x21)
                output.appendLE32(crc)
                output.appendLE32(UInt32(entry.data.count))
                output.appendLE32(size)
                output.appendLE16(UInt16(localName.count))
                output.appendLE16(0)
                output.append(contentsOf: localName)
                output.append(contentsOf: entry.data)
            }
            central.appendLE32(ZipFormat.centralHeaderSignature)
            central.appendLE16(entry.madeBy)
            central.appendLE16(20)
            central.appendLE16(entry.flags)
            central.appendLE16(entry.method)
            central.appendLE16(0)
            central.appendLE16(0x21)
            central.appendLE32(crc)
            central.appendLE32(UInt32(entry.data.count))
            central.appendLE32(size)
            central.appendLE16(UInt16(name.count))
            central.appendLE16(0)
            central.appendLE16(0)
            central.appendLE16(0)
            central.appendLE16(0)
            central.appendLE32(entry.externalAttributes)
            central.appendLE32(offset)
            central.append(contentsOf: name)
        }
        let centralOffset = UInt32(output.count)
        output.append(contentsOf: central)
        let count = entryCountOverride ?? UInt16(entries.count)
        output.appendLE32(ZipFormat.endOfCentralDirectorySignature)
        output.appendLE16(0)
        output.appendLE16(0)
        output.appendLE16(count)
        output.appendLE16(count)
        output.appendLE32(UInt32(central.count))
        output.appendLE32(centralOffset)
        output.appendLE16(UInt16(comment.count))
        output.append(contentsOf: comment)
        return output
    }
}
