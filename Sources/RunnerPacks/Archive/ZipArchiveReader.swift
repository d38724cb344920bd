/// Reads the entries of a gtpack ZIP from memory, treating the bytes as hostile.
///
/// Every offset and length is bounds-checked before use, so malformed input produces a
/// ``PackError`` and never a trap. On top of the ZIP structure it enforces the gtpack rules:
/// regular files only (no directories, symlinks or devices), safe relative paths, no
/// duplicates, no overlapping entry data, the local header agreeing with the central
/// directory, declared sizes within ``PackReader/Limits`` (checked before anything is
/// inflated), and a matching CRC-32. Stored and DEFLATE entries are accepted, in any order,
/// so archives written by other ZIP tools can be read. ZIP64, encryption and multi-disk
/// archives are rejected (a gtpack never needs them).
///
/// Why not ZIPFoundation's `Archive` for reading: its entry iterator silently stops at a
/// malformed central record (a truncated directory reads as a shorter archive), it adds
/// attacker-controlled ZIP64 sizes with trapping `UInt64` arithmetic when locating data
/// descriptors, and it neither detects overlapping entries nor compares local headers with the
/// central directory. ZIPFoundation is still used for CRC-32 and (see ``Inflater``) zlib inflate.
struct ZipArchiveReader {
    /// One file of the archive.
    struct Entry {
        let path: String
        let bytes: [UInt8]
    }

    private struct CentralRecord {
        let path: String
        let nameBytes: [UInt8]
        let method: UInt16
        let crc: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localOffset: Int
    }

    private let archive: [UInt8]
    private let limits: PackReader.Limits

    /// Reads every entry of `archive` under `limits`, in central-directory order.
    static func entries(of archive: [UInt8], limits: PackReader.Limits) throws(PackError) -> [Entry] {
        guard archive.count <= limits.maxArchiveBytes else {
            throw PackError(
                code: .tooLarge,
                message: "the archive is \(archive.count) bytes; the limit is \(limits.maxArchiveBytes) bytes"
            )
        }
        let reader = ZipArchiveReader(archive: archive, limits: limits)
        let (centralOffset, centralSize, count) = try reader.endOfCentralDirectory()
        let records = try reader.centralRecords(offset: centralOffset, size: centralSize, count: count)
        var entries: [Entry] = []
        var ranges: [(start: Int, end: Int, path: String)] = []
        for record in records {
            let dataRange = try reader.dataRange(of: record, centralOffset: centralOffset)
            ranges.append((record.localOffset, dataRange.upperBound, record.path))
            entries.append(Entry(path: record.path, bytes: try reader.contents(of: record, in: dataRange)))
        }
        ranges.sort { $0.start < $1.start }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.start < previous.end {
            throw PackError.invalidArchive(
                "entries `\(previous.path)` and `\(next.path)` overlap in the archive; the file is corrupt or crafted"
            )
        }
        return entries
    }

    private func endOfCentralDirectory() throws(PackError) -> (offset: Int, size: Int, count: Int) {
        let minimum = ZipFormat.endOfCentralDirectorySize
        guard archive.count >= minimum else {
            throw PackError.invalidArchive("the file is \(archive.count) bytes, too short to be a ZIP archive")
        }
        var position = archive.count - minimum
        let lowest = max(0, position - Int(UInt16.max))
        var found: Int?
        while position >= lowest {
            if archive.readLE32(at: position) == ZipFormat.endOfCentralDirectorySignature,
                let commentLength = archive.readLE16(at: position + 20),
                position + minimum + Int(commentLength) == archive.count
            {
                found = position
                break
            }
            position -= 1
        }
        guard let end = found,
            let disk = archive.readLE16(at: end + 4), let centralDisk = archive.readLE16(at: end + 6),
            let diskEntries = archive.readLE16(at: end + 8), let totalEntries = archive.readLE16(at: end + 10),
            let centralSize = archive.readLE32(at: end + 12), let centralOffset = archive.readLE32(at: end + 16)
        else {
            throw PackError.invalidArchive(
                "no ZIP end-of-central-directory record found; the file is truncated or not a gtpack"
            )
        }
        if totalEntries == UInt16.max || centralSize == UInt32.max || centralOffset == UInt32.max {
            throw PackError.invalidArchive("ZIP64 archives are not supported; a gtpack must be a plain ZIP")
        }
        guard disk == 0, centralDisk == 0, diskEntries == totalEntries else {
            throw PackError.invalidArchive("multi-disk ZIP archives are not supported")
        }
        guard Int(centralOffset) + Int(centralSize) == end else {
            throw PackError.invalidArchive(
                "the central directory (offset \(centralOffset), \(centralSize) bytes) does not end where the "
                    + "end record begins (offset \(end)); the file is truncated or corrupt"
            )
        }
        guard Int(totalEntries) <= limits.maxEntries else {
            throw PackError(
                code: .tooLarge,
                message: "the archive has \(totalEntries) entries; the limit is \(limits.maxEntries)"
            )
        }
        guard Int(totalEntries) * ZipFormat.centralHeaderSize <= Int(centralSize) else {
            throw PackError.invalidArchive("the central directory is too small for \(totalEntries) entries")
        }
        return (Int(centralOffset), Int(centralSize), Int(totalEntries))
    }

    private func centralRecords(offset: Int, size: Int, count: Int) throws(PackError) -> [CentralRecord] {
        var records: [CentralRecord] = []
        var seen: Set<String> = []
        var totalSize = 0
        var cursor = offset
        let end = offset + size
        for index in 0..<count {
            guard cursor + ZipFormat.centralHeaderSize <= end,
                archive.readLE32(at: cursor) == ZipFormat.centralHeaderSignature,
                let madeBy = archive.readLE16(at: cursor + 4), let flags = archive.readLE16(at: cursor + 8),
                let method = archive.readLE16(at: cursor + 10), let crc = archive.readLE32(at: cursor + 16),
                let compressed = archive.readLE32(at: cursor + 20),
                let uncompressed = archive.readLE32(at: cursor + 24),
                let nameLength = archive.readLE16(at: cursor + 28), let extraLength = archive.readLE16(at: cursor + 30),
                let commentLength = archive.readLE16(at: cursor + 32),
                let external = archive.readLE32(at: cursor + 38), let localOffset = archive.readLE32(at: cursor + 42)
            else {
                throw PackError.invalidArchive("central directory record #\(index) is malformed or truncated")
            }
            let nameStart = cursor + ZipFormat.centralHeaderSize
            let recordEnd = nameStart + Int(nameLength) + Int(extraLength) + Int(commentLength)
            guard recordEnd <= end else {
                throw PackError.invalidArchive("central directory record #\(index) runs past the directory")
            }
            let nameBytes = Array(archive[nameStart..<(nameStart + Int(nameLength))])
            let path = String(decoding: nameBytes, as: UTF8.self)
            guard Array(path.utf8) == nameBytes else {
                throw PackError.invalidArchive("entry #\(index) has a file name that is not valid UTF-8")
            }
            try Self.checkEntryKind(path: path, madeBy: madeBy, external: external)
            if let problem = ArchivePath.problem(with: path) {
                throw PackError.invalidArchive("entry `\(path)` is rejected: the path \(problem)")
            }
            guard seen.insert(path).inserted else {
                throw PackError.invalidArchive("entry `\(path)` appears more than once in the archive")
            }
            guard flags & 0x41 == 0 else {
                throw PackError.invalidArchive("entry `\(path)` is encrypted; gtpack entries must not be")
            }
            guard method == ZipFormat.methodStored || method == ZipFormat.methodDeflated else {
                throw PackError.invalidArchive(
                    "entry `\(path)` uses compression method \(method); only stored (0) and deflate (8) are supported"
                )
            }
            if compressed == UInt32.max || uncompressed == UInt32.max || localOffset == UInt32.max {
                throw PackError.invalidArchive("entry `\(path)` uses ZIP64 sizes, which a gtpack never needs")
            }
            guard Int(uncompressed) <= limits.maxEntryBytes else {
                throw PackError(
                    code: .tooLarge,
                    message:
                        "entry `\(path)` declares \(uncompressed) bytes; the per-entry limit is \(limits.maxEntryBytes)"
                )
            }
            guard Int(compressed) <= limits.maxEntryBytes + 65_536 else {
                throw PackError(
                    code: .tooLarge,
                    message:
                        "entry `\(path)` has \(compressed) bytes of compressed data; "
                        + "the per-entry limit is \(limits.maxEntryBytes)"
                )
            }
            totalSize += Int(uncompressed)
            guard totalSize <= limits.maxArchiveBytes else {
                throw PackError(
                    code: .tooLarge,
                    message: "the archive's entries add up to more than the \(limits.maxArchiveBytes)-byte limit "
                        + "(reached at `\(path)`)"
                )
            }
            if method == ZipFormat.methodStored, compressed != uncompressed {
                throw PackError.invalidArchive("stored entry `\(path)` has different compressed and uncompressed sizes")
            }
            records.append(
                CentralRecord(
                    path: path,
                    nameBytes: nameBytes,
                    method: method,
                    crc: crc,
                    compressedSize: Int(compressed),
                    uncompressedSize: Int(uncompressed),
                    localOffset: Int(localOffset)
                )
            )
            cursor = recordEnd
        }
        guard cursor == end else {
            throw PackError.invalidArchive("the central directory has \(end - cursor) unexpected trailing bytes")
        }
        return records
    }

    private static func checkEntryKind(path: String, madeBy: UInt16, external: UInt32) throws(PackError) {
        let host = madeBy >> 8
        if host == 3 || host == 19 {
            switch (external >> 16) & 0o170000 {
            case 0, 0o100000: break
            case 0o120000:
                throw PackError.invalidArchive("entry `\(path)` is a symbolic link; only regular files are allowed")
            case 0o040000:
                throw PackError.invalidArchive("entry `\(path)` is a directory; only regular files are allowed")
            default: throw PackError.invalidArchive("entry `\(path)` is not a regular file (special file type)")
            }
        }
        if external & 0x10 != 0 {
            throw PackError.invalidArchive("entry `\(path)` is marked as a directory; only regular files are allowed")
        }
    }

    private func dataRange(of record: CentralRecord, centralOffset: Int) throws(PackError) -> Range<Int> {
        let header = record.localOffset
        guard header + ZipFormat.localHeaderSize <= centralOffset,
            archive.readLE32(at: header) == ZipFormat.localHeaderSignature,
            let flags = archive.readLE16(at: header + 6), let method = archive.readLE16(at: header + 8),
            let crc = archive.readLE32(at: header + 14), let compressed = archive.readLE32(at: header + 18),
            let uncompressed = archive.readLE32(at: header + 22),
            let nameLength = archive.readLE16(at: header + 26), let extraLength = archive.readLE16(at: header + 28)
        else {
            throw PackError.invalidArchive("the local header of `\(record.path)` is missing or malformed")
        }
        let nameStart = header + ZipFormat.localHeaderSize
        let dataStart = nameStart + Int(nameLength) + Int(extraLength)
        let dataEnd = dataStart + record.compressedSize
        guard dataEnd <= centralOffset else {
            throw PackError.invalidArchive("the data of `\(record.path)` runs past the start of the central directory")
        }
        guard Array(archive[nameStart..<(nameStart + Int(nameLength))]) == record.nameBytes, method == record.method
        else {
            throw PackError.invalidArchive("the local header of `\(record.path)` disagrees with the central directory")
        }
        let usesDataDescriptor = flags & 0x08 != 0
        if !usesDataDescriptor,
            crc != record.crc || Int(compressed) != record.compressedSize
                || Int(uncompressed) != record.uncompressedSize
        {
            throw PackError.invalidArchive(
                "the local header of `\(record.path)` records different sizes or CRC than the central directory"
            )
        }
        return dataStart..<dataEnd
    }

    private func contents(of record: CentralRecord, in range: Range<Int>) throws(PackError) -> [UInt8] {
        let bytes: [UInt8]
        if record.method == ZipFormat.methodStored {
            bytes = Array(archive[range])
        } else {
            do {
                bytes = try Inflater.inflate(archive[range], expectedSize: record.uncompressedSize)
            } catch .tooLarge {
                throw PackError(
                    code: .tooLarge,
                    message:
                        "entry `\(record.path)` inflates to more than its declared \(record.uncompressedSize) bytes"
                )
            } catch {
                throw PackError.invalidArchive("entry `\(record.path)` has corrupt or truncated DEFLATE data")
            }
        }
        guard bytes.count == record.uncompressedSize else {
            throw PackError.invalidArchive(
                "entry `\(record.path)` holds \(bytes.count) bytes but declares \(record.uncompressedSize)"
            )
        }
        guard ZipFormat.crc32(bytes) == record.crc else {
            throw PackError.invalidArchive("entry `\(record.path)` fails its CRC-32 check; the archive is corrupt")
        }
        return bytes
    }
}
