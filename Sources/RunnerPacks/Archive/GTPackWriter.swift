/// Writes the deterministic ZIP container of a gtpack.
///
/// Every entry is stored (no compression), written in lexical path order, dated
/// 1980-01-01 00:00 and marked as a regular file with mode 0644; there are no extra fields,
/// comments or data descriptors. The same files therefore always give the same bytes.
///
/// This is a purpose-built writer rather than ZIPFoundation's `Archive`: the format needs only
/// stored entries, and owning the few record layouts keeps every byte under our control.
/// Not for general ZIP files: sizes are limited to ZIP32 (4 GiB, 65,535 entries).
public enum GTPackWriter {
    /// Builds the archive bytes for `files` (path → contents).
    ///
    /// - Throws: ``PackError/Code/invalidArchive`` for an unsafe path, ``PackError/Code/tooLarge``
    ///   beyond ZIP32 limits.
    public static func write(_ files: [String: [UInt8]]) throws(PackError) -> [UInt8] {
        let paths = files.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard paths.count < Int(UInt16.max) else {
            throw PackError(
                code: .tooLarge,
                message: "a gtpack holds at most 65,534 files; this one has \(paths.count)"
            )
        }
        var output: [UInt8] = []
        var central: [UInt8] = []
        for path in paths {
            if let problem = ArchivePath.problem(with: path) {
                throw PackError.invalidArchive("cannot add `\(path)` to a gtpack: the path \(problem)")
            }
            let contents = files[path] ?? []
            let name = Array(path.utf8)
            guard contents.count < Int(UInt32.max), output.count < Int(UInt32.max) - contents.count - 30 - name.count,
                name.count < Int(UInt16.max)
            else {
                throw PackError(code: .tooLarge, message: "`\(path)` does not fit in a ZIP32 archive")
            }
            let flags: UInt16 = name.allSatisfy { $0 < 0x80 } ? 0 : ZipFormat.utf8NameFlag
            let crc = ZipFormat.crc32(contents)
            let offset = UInt32(output.count)

            output.appendLE32(ZipFormat.localHeaderSignature)
            output.appendLE16(ZipFormat.versionNeededStored)
            output.appendLE16(flags)
            output.appendLE16(ZipFormat.methodStored)
            output.appendLE16(ZipFormat.dosTimeMidnight)
            output.appendLE16(ZipFormat.dosDate1980)
            output.appendLE32(crc)
            output.appendLE32(UInt32(contents.count))
            output.appendLE32(UInt32(contents.count))
            output.appendLE16(UInt16(name.count))
            output.appendLE16(0)
            output.append(contentsOf: name)
            output.append(contentsOf: contents)

            central.appendLE32(ZipFormat.centralHeaderSignature)
            central.appendLE16(ZipFormat.versionMadeByUnix)
            central.appendLE16(ZipFormat.versionNeededStored)
            central.appendLE16(flags)
            central.appendLE16(ZipFormat.methodStored)
            central.appendLE16(ZipFormat.dosTimeMidnight)
            central.appendLE16(ZipFormat.dosDate1980)
            central.appendLE32(crc)
            central.appendLE32(UInt32(contents.count))
            central.appendLE32(UInt32(contents.count))
            central.appendLE16(UInt16(name.count))
            central.appendLE16(0)  // extra field length
            central.appendLE16(0)  // comment length
            central.appendLE16(0)  // disk number start
            central.appendLE16(0)  // internal attributes
            central.appendLE32(ZipFormat.regularFile0644Attributes)
            central.appendLE32(offset)
            central.append(contentsOf: name)
        }
        guard output.count + central.count < Int(UInt32.max) else {
            throw PackError(code: .tooLarge, message: "the gtpack does not fit in a ZIP32 archive")
        }
        let centralOffset = UInt32(output.count)
        output.append(contentsOf: central)
        output.appendLE32(ZipFormat.endOfCentralDirectorySignature)
        output.appendLE16(0)  // this disk
        output.appendLE16(0)  // disk with the central directory
        output.appendLE16(UInt16(paths.count))
        output.appendLE16(UInt16(paths.count))
        output.appendLE32(UInt32(central.count))
        output.appendLE32(centralOffset)
        output.appendLE16(0)  // comment length
        return output
    }
}
