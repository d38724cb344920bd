import Foundation
import JWTKit
public import RunnerCore
import _CryptoExtras

/// Mints tenant tokens (`TENANT_RESOLVER=jwt`) the way an operator's gateway would: a shared
/// secret for HS256/384/512, or an RSA, P-256 or Ed25519 key made for the test run whose public
/// half ``jwks`` publishes.
public struct TenantTokenTestIssuer: Sendable {
    /// The algorithms the issuer can sign with.
    public enum Algorithm: String, Sendable, CaseIterable {
        case hs256 = "HS256"
        case hs384 = "HS384"
        case hs512 = "HS512"
        case rs256 = "RS256"
        case es256 = "ES256"
        case eddsa = "EdDSA"
    }

    /// The key set document (`{"keys": [...]}`) with the public keys of the asymmetric algorithms.
    public let jwks: JSONValue
    private let keys: [Algorithm: JWTKeyCollection]

    /// - Parameter secret: the HMAC secret: 32 bytes or more for HS256, 48 for HS384, 64 for HS512.
    public init(secret: String) async throws {
        var keys: [Algorithm: JWTKeyCollection] = [:]
        for (algorithm, digest, bytes) in [(Algorithm.hs256, DigestAlgorithm.sha256, 32), (.hs384, .sha384, 48), (.hs512, .sha512, 64)]
        where secret.utf8.count >= bytes {
            keys[algorithm] = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: digest)
        }

        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try rsa.publicKey.getKeyPrimitives()
        keys[.rs256] = await JWTKeyCollection().add(
            rsa: try Insecure.RSA.PrivateKey(pem: rsa.pemRepresentation),
            digestAlgorithm: .sha256,
            kid: "rsa-1"
        )
        let ec = ES256PrivateKey()
        keys[.es256] = await JWTKeyCollection().add(ecdsa: ec, kid: "ec-1")
        let ed = try EdDSA.PrivateKey(curve: .ed25519)
        keys[.eddsa] = await JWTKeyCollection().add(eddsa: ed, kid: "ed-1")
        self.keys = keys

        let ecParameters = ec.publicKey.parameters
        jwks = [
            "keys": [
                [
                    "kty": "RSA", "kid": "rsa-1", "use": "sig", "n": .string(Self.base64URL(primitives.modulus)),
                    "e": .string(Self.base64URL(primitives.publicExponent)),
                ],
                [
                    "kty": "EC", "kid": "ec-1", "crv": "P-256", "x": .string(ecParameters?.x ?? ""),
                    "y": .string(ecParameters?.y ?? ""),
                ],
                ["kty": "OKP", "kid": "ed-1", "crv": "Ed25519", "x": .string(Self.base64URL(ed.publicKey.rawRepresentation))],
            ]
        ]
    }

    /// A token whose payload is `claims` plus an `exp` an hour from now unless `claims` sets one
    /// (`null` leaves it out).
    public func token(_ algorithm: Algorithm, claims: [String: JSONValue]) async throws -> String {
        var payload = claims
        if payload["exp"] == nil { payload["exp"] = .int(Int64(Date().timeIntervalSince1970) + 3600) }
        payload = payload.filter { !$0.value.isNull }
        let kid: String? =
            switch algorithm {
            case .rs256: "rsa-1"
            case .es256: "ec-1"
            case .eddsa: "ed-1"
            default: nil
            }
        guard let collection = keys[algorithm] else { throw JWTError.noKeyProvided }
        return try await collection.sign(Claims(claims: payload), kid: kid.map { JWKIdentifier(string: $0) })
    }

    /// An unsigned token (`alg: none`).
    public static func unsignedToken(claims: JSONValue) -> String {
        "\(base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))).\(base64URL(Data(claims.serializedBytes())))."
    }

    private struct Claims: JWTPayload {
        var claims: [String: JSONValue]

        init(claims: [String: JSONValue]) {
            self.claims = claims
        }

        init(from decoder: any Decoder) throws {
            claims = try JSONValue(from: decoder).objectValue ?? [:]
        }

        func encode(to encoder: any Encoder) throws {
            try JSONValue.object(claims).encode(to: encoder)
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
