/// The digest a pack signature covers (reference §4.3 step 5).
///
/// BLAKE3 over `manifest.cbor` bytes, then `sbom.json` bytes, then for every SBOM entry in
/// path order `path + "\n" + hash_blake3` with no separator between records. The signature is
/// made over the 32 raw digest bytes; `pack.sig` records their hex.
public enum PackSigningDigest {
    /// Computes the 32-byte digest.
    ///
    /// - Parameters:
    ///   - manifestCBOR: The exact `manifest.cbor` bytes.
    ///   - sbomJSON: The exact `sbom.json` bytes.
    ///   - entries: The SBOM entries (sorted here by path bytes).
    public static func compute(manifestCBOR: [UInt8], sbomJSON: [UInt8], entries: [SBOM.Entry]) -> [UInt8] {
        var hasher = BLAKE3()
        hasher.update(manifestCBOR)
        hasher.update(sbomJSON)
        let records = entries.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        for record in records {
            hasher.update(Array(record.path.utf8))
            hasher.update([0x0A])
            hasher.update(Array(record.hashBLAKE3.utf8))
        }
        return hasher.finalize()
    }

    /// BLAKE3 of `bytes` as lowercase hex (the SBOM and manifest hash format).
    public static func blake3Hex(_ bytes: [UInt8]) -> String {
        BLAKE3.hexDigest(bytes)
    }
}
