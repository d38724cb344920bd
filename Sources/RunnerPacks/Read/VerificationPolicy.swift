/// Which pack signers ``PackReader`` accepts (reference §4.3 step 7).
///
/// Both policies require a valid signature and SBOM; they differ only in the signer:
/// ``devOK`` accepts any certificate (including the self-signed development one),
/// ``strict`` rejects a first certificate that is self-issued with `CN=greentic-dev-local`.
public enum VerificationPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Accept development-signed packs.
    case devOK
    /// Reject development-signed packs.
    case strict

    /// The policy chosen by `PACK_VERIFY_STRICT` and `PACK_PUBLIC_KEY` (reference §3 step 7).
    ///
    /// - `verifyStrict` set: ``strict`` if it is `"1"` or `"true"` (any case), otherwise
    ///   ``devOK`` (`"0"`, `"false"`, `"yes"`, …).
    /// - `verifyStrict` unset: ``strict`` if `publicKey` is set at all (even empty), else ``devOK``.
    ///
    /// A pure function of the two raw values so the composition root reads the environment.
    public static func select(verifyStrict: String?, publicKey: String?) -> VerificationPolicy {
        if let verifyStrict {
            return verifyStrict == "1" || verifyStrict.lowercased() == "true" ? .strict : .devOK
        }
        return publicKey == nil ? .devOK : .strict
    }

    public var description: String {
        switch self {
        case .devOK: "dev-ok"
        case .strict: "strict"
        }
    }
}
