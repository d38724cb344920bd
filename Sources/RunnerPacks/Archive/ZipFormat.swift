internal import Foundation
internal import ZIPFoundation

/// Constants and little-endian helpers shared by the gtpack ZIP writer and reader
/// (PKWARE APPNOTE 6.3.x, 32-bit records only).
enum ZipFormat {
    static let localHeaderSignature: UInt32 = 0x0403_4B50
    static let centralHeaderSignature: UInt32 = 0x0201_4B50
    static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    static let localHeaderSize = 30
    static let centralHeaderSize = 46
    static let endOfCentralDirectorySize = 22

    /// MS-DOS date for 1980-01-01 (day 1, month 1, year offset 0).
    static let dosDate1980: UInt16 = 0x0021
    /// MS-DOS time for 00:00:00.
    static let dosTimeMidnight: UInt16 = 0
    /// "Version made by": host 3 (Unix), specification 2.0, so readers honour the Unix mode.
    static let versionMadeByUnix: UInt16 = 0x0314
    /// "Version needed to extract" for stored entries: 1.0.
    static let versionNeededStored: UInt16 = 10
    /// External attributes of a regular file with mode 0644 (`S_IFREG | 0644` in the high half).
    static let regularFile0644Attributes: UInt32 = 0o100644 << 16
    /// General-purpose flag: file name is UTF-8.
    static let utf8NameFlag: UInt16 = 0x0800

    /// Compression methods understood by the reader.
    static let methodStored: UInt16 = 0
    static let methodDeflated: UInt16 = 8

    /// The CRC-32 (ISO-HDLC, as ZIP uses) of `bytes`, computed by ZIPFoundation (zlib on Linux).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        Data(bytes).crc32(checksum: 0)
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` as two little-endian bytes.
    mutating func appendLE16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends `value` as four little-endian bytes.
    mutating func appendLE32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    /// The little-endian `UInt16` at `offset`, or `nil` if it runs past the end.
    func readLE16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= count - 2 else { return nil }
        return UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    /// The little-endian `UInt32` at `offset`, or `nil` if it runs past the end.
    func readLE32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count - 4 else { return nil }
        return UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }
}
