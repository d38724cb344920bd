/// A verified pack: its manifest, catalogue and files, and what verification found.
///
/// Produced only by ``PackReader/open(_:policy:)``, so holding one means the SBOM and the
/// signature checked out under the policy named in ``report``.
public struct LoadedPack: Sendable {
    /// The decoded `manifest.cbor`.
    public var manifest: PackManifest
    /// The decoded `sbom.json`.
    public var sbom: SBOM
    /// Every file of the archive, by path.
    public var files: [String: [UInt8]]
    /// Verification results and warnings.
    public var report: VerificationReport
    /// The signer's public key, `ed25519:<base64>` (taken from the first certificate).
    public var signerPublicKey: String
    /// Whether the signer is the development certificate (`CN=greentic-dev-local`, self-issued).
    public var isDevelopmentSigned: Bool
    /// Hex of the BLAKE3 signing digest (`pack.sig` `digest`).
    public var digest: String
    /// The decoded `signatures/pack.sig`.
    public var signature: PackSignature

    /// The bytes of the file at `path`, if present.
    public func file(_ path: String) -> [UInt8]? {
        files[path]
    }

    /// The YAML source of flow `id`, if the pack has that flow.
    public func flowYAML(id: String) -> String? {
        guard let flow = manifest.flow(id: id), let bytes = files[flow.fileYAML] else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The canonical JSON bytes of flow `id`, if the pack has that flow.
    public func flowJSON(id: String) -> [UInt8]? {
        guard let flow = manifest.flow(id: id) else { return nil }
        return files[flow.fileJSON]
    }

    /// The module bytes of component `name` (and `version`, when given).
    public func componentWasm(name: String, version: String? = nil) -> [UInt8]? {
        guard let component = manifest.component(named: name, version: version) else { return nil }
        return files[component.fileWasm]
    }
}

/// What verification of a pack found (`VerifyReport` in the original).
public struct VerificationReport: Sendable, Hashable {
    /// The signature verified with the signer's key.
    public var signatureOK: Bool
    /// Every file matched the SBOM.
    public var sbomOK: Bool
    /// The policy the pack was checked under.
    public var policy: VerificationPolicy
    /// Non-fatal findings (e.g. a multi-certificate chain under ``VerificationPolicy/devOK``).
    public var warnings: [String]

    /// Creates a report.
    public init(signatureOK: Bool, sbomOK: Bool, policy: VerificationPolicy, warnings: [String]) {
        self.signatureOK = signatureOK
        self.sbomOK = sbomOK
        self.policy = policy
        self.warnings = warnings
    }
}
