internal import Crypto
internal import RunnerCore

/// Opens and verifies `.gtpack` archives (reference §4.3), treating every byte as hostile.
///
/// Verification, in order: the ZIP is read under ``Limits`` (regular files, safe paths, no
/// duplicates or overlaps); `manifest.cbor` and `sbom.json` are decoded; every SBOM entry must
/// match its file (BLAKE3, case-insensitive, and size) and every file other than `sbom.json`,
/// `signatures/pack.sig` and `signatures/chain.pem` must be listed; both signature files must
/// exist; the BLAKE3 signing digest must equal `pack.sig`'s; `alg` must be `ed25519` and `sig`
/// 64 bytes of URL-safe base64; the chain must be PEM certificates; ``VerificationPolicy``
/// decides whether the signer is acceptable; the signature must verify with the first
/// certificate's key; and the manifest's files must exist, components matching their hashes.
///
/// Not for trust in the index sense: the index digest and `PACK_PUBLIC_KEY` check happen in
/// ``PackLoader`` before this.
public struct PackReader: Sendable {
    /// Size limits applied before anything is decompressed or decoded.
    public struct Limits: Sendable, Hashable {
        /// Largest archive accepted, and largest total of the entries' sizes (64 MiB).
        public var maxArchiveBytes: Int
        /// Largest single entry (16 MiB).
        public var maxEntryBytes: Int
        /// Most entries an archive may have.
        public var maxEntries: Int

        /// Creates limits; the defaults are the original's 64 MiB and 16 MiB.
        public init(maxArchiveBytes: Int = 64 << 20, maxEntryBytes: Int = 16 << 20, maxEntries: Int = 10_000) {
            self.maxArchiveBytes = maxArchiveBytes
            self.maxEntryBytes = maxEntryBytes
            self.maxEntries = maxEntries
        }
    }

    static let signaturePath = "signatures/pack.sig"
    static let chainPath = "signatures/chain.pem"

    /// The limits in force.
    public var limits: Limits

    /// Creates a reader.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Reads and verifies `archive`.
    ///
    /// - Throws: ``PackError`` whose code says which check failed and whose message names the
    ///   file: `invalidArchive`, `tooLarge`, `missingFile`, `invalidManifest`, `sbomMismatch`,
    ///   `signatureMissing`, `digestMismatch`, `signatureInvalid` or `untrustedSigner`.
    public func open(_ archive: [UInt8], policy: VerificationPolicy) throws(PackError) -> LoadedPack {
        var files: [String: [UInt8]] = [:]
        for entry in try ZipArchiveReader.entries(of: archive, limits: limits) {
            files[entry.path] = entry.bytes
        }
        guard let manifestCBOR = files["manifest.cbor"] else {
            throw PackError(code: .missingFile, message: "manifest.cbor is missing; this is not a gtpack")
        }
        let manifest = try PackManifest(cbor: manifestCBOR)
        guard let sbomJSON = files["sbom.json"] else {
            throw PackError(code: .missingFile, message: "sbom.json is missing; rebuild the pack with a gtpack builder")
        }
        let sbom = try SBOM(json: sbomJSON)
        try Self.verifySBOM(sbom, files: files)

        guard let signatureBytes = files[Self.signaturePath] else {
            throw PackError(
                code: .signatureMissing,
                message: "\(Self.signaturePath) is missing; unsigned packs are never loaded"
            )
        }
        guard let chainBytes = files[Self.chainPath] else {
            throw PackError(
                code: .signatureMissing,
                message: "\(Self.chainPath) is missing; the signer's certificate is required"
            )
        }
        let signature = try PackSignature(json: signatureBytes)
        let digest = PackSigningDigest.compute(manifestCBOR: manifestCBOR, sbomJSON: sbomJSON, entries: sbom.files)
        let digestHex = Hex.encode(digest)
        guard digestHex == signature.digest.lowercased() else {
            throw PackError(
                code: .digestMismatch,
                message: "\(Self.signaturePath) signs digest \(signature.digest) but the pack contents hash to "
                    + "\(digestHex); the pack was modified after signing"
            )
        }
        guard signature.alg.lowercased() == PackSignature.ed25519 else {
            throw PackError(
                code: .signatureInvalid,
                message: "\(Self.signaturePath) uses algorithm `\(signature.alg)`; only ed25519 is supported"
            )
        }
        let rawSignature = try signature.signatureBytes()
        let signer = try PackCertificate.parseChain(chainBytes)
        var warnings: [String] = []
        switch policy {
        case .strict where signer.isDevelopmentCertificate:
            throw PackError(
                code: .untrustedSigner,
                message:
                    "the pack is signed with the development certificate (CN=\(PackSigningKey.developmentCommonName)); "
                    + "strict verification rejects it: sign with a real key, "
                    + "or set PACK_VERIFY_STRICT=0 to accept dev packs"
            )
        case .devOK where signer.chainLength != 1:
            warnings.append("\(Self.chainPath) holds \(signer.chainLength) certificates; dev mode expects exactly 1")
        default:
            break
        }
        let verified: Bool
        do {
            verified = try Curve25519.Signing.PublicKey(rawRepresentation: signer.publicKey)
                .isValidSignature(rawSignature, for: digest)
        } catch {
            verified = false
        }
        guard verified else {
            throw PackError(
                code: .signatureInvalid,
                message: "\(Self.signaturePath) does not verify with the key in \(Self.chainPath); "
                    + "the signature or the certificate was replaced"
            )
        }
        warnings += try Self.checkManifestFiles(manifest, files: files)
        return LoadedPack(
            manifest: manifest,
            sbom: sbom,
            files: files,
            report: VerificationReport(signatureOK: true, sbomOK: true, policy: policy, warnings: warnings),
            signerPublicKey: "ed25519:" + Base64.encode(signer.publicKey, alphabet: .standard, padded: true),
            isDevelopmentSigned: signer.isDevelopmentCertificate,
            digest: digestHex,
            signature: signature
        )
    }

    private static func verifySBOM(_ sbom: SBOM, files: [String: [UInt8]]) throws(PackError) {
        var listed: Set<String> = []
        for entry in sbom.files {
            guard listed.insert(entry.path).inserted else {
                throw PackError(code: .sbomMismatch, message: "sbom.json lists `\(entry.path)` more than once")
            }
            guard let bytes = files[entry.path] else {
                throw PackError(
                    code: .sbomMismatch,
                    message: "sbom.json lists `\(entry.path)` but the archive has no such file"
                )
            }
            let actual = PackSigningDigest.blake3Hex(bytes)
            guard actual == entry.hashBLAKE3.lowercased() else {
                throw PackError(
                    code: .sbomMismatch,
                    message: "`\(entry.path)` has BLAKE3 \(actual) but sbom.json records \(entry.hashBLAKE3); "
                        + "the file was modified"
                )
            }
            guard UInt64(bytes.count) == entry.size else {
                throw PackError(
                    code: .sbomMismatch,
                    message: "`\(entry.path)` is \(bytes.count) bytes but sbom.json records \(entry.size)"
                )
            }
        }
        for path in files.keys.sorted() where path != "sbom.json" && path != signaturePath && path != chainPath {
            guard listed.contains(path) else {
                throw PackError(
                    code: .sbomMismatch,
                    message: "`\(path)` is in the archive but not listed in sbom.json; unlisted files are not allowed"
                )
            }
        }
    }

    private static func checkManifestFiles(
        _ manifest: PackManifest,
        files: [String: [UInt8]]
    ) throws(PackError) -> [String] {
        var warnings: [String] = []
        for flow in manifest.flows {
            for path in [flow.fileYAML, flow.fileJSON] where files[path] == nil {
                throw PackError(
                    code: .missingFile,
                    message: "flow `\(flow.id)` names `\(path)`, which is not in the pack"
                )
            }
            if let json = files[flow.fileJSON], PackSigningDigest.blake3Hex(json) != flow.hashBLAKE3.lowercased() {
                warnings.append("flow `\(flow.id)`: hash_blake3 does not match \(flow.fileJSON)")
            }
        }
        for component in manifest.components {
            guard let wasm = files[component.fileWasm] else {
                throw PackError(
                    code: .missingFile,
                    message: "component `\(component.name)@\(component.version)` names `\(component.fileWasm)`, "
                        + "which is not in the pack"
                )
            }
            guard PackSigningDigest.blake3Hex(wasm) == component.hashBLAKE3.lowercased() else {
                throw PackError(
                    code: .invalidManifest,
                    message: "component `\(component.name)@\(component.version)`: manifest hash_blake3 does not match "
                        + "\(component.fileWasm)"
                )
            }
            for path in [component.schemaFile, component.manifestFile].compactMap({ $0 }) where files[path] == nil {
                throw PackError(
                    code: .missingFile,
                    message: "component `\(component.name)` names `\(path)`, which is not in the pack"
                )
            }
        }
        for entry in manifest.meta.entryFlows where manifest.flow(id: entry) == nil {
            warnings.append("entry flow `\(entry)` is not one of the pack's flows")
        }
        return warnings
    }
}
