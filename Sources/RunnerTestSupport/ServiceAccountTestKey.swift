import Foundation
import JWTKit
public import RunnerCore
import _CryptoExtras

/// A Google service account key made for the test run: ``json`` is the key file a runner reads
/// (`GOOGLE_APPLICATION_CREDENTIALS`), ``claims(of:)`` verifies an assertion the runner signed
/// with it, as Google's token endpoint would.
public struct ServiceAccountTestKey: Sendable {
    public let email: String
    private let pem: String
    private let publicKeys: JWTKeyCollection

    public init(email: String = "runner@project.iam.gserviceaccount.com") async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.email = email
        self.pem = key.pemRepresentation
        publicKeys = await JWTKeyCollection().add(
            rsa: try Insecure.RSA.PublicKey(pem: key.publicKey.pemRepresentation),
            digestAlgorithm: .sha256
        )
    }

    /// The key file, naming `tokenURI`.
    public func json(tokenURI: String) -> String {
        let file: JSONValue = [
            "type": "service_account", "client_email": .string(email), "private_key": .string(pem), "token_uri": .string(tokenURI),
        ]
        return String(decoding: file.serializedBytes(), as: UTF8.self)
    }

    /// The claims of `assertion` when its RS256 signature verifies with this key; `nil` otherwise.
    public func claims(of assertion: String) async -> JSONValue? {
        guard let payload = try? await publicKeys.verify(assertion, as: Claims.self) else { return nil }
        return .object(payload.claims)
    }

    private struct Claims: JWTPayload {
        var claims: [String: JSONValue]

        init(from decoder: any Decoder) throws {
            claims = try JSONValue(from: decoder).objectValue ?? [:]
        }

        func encode(to encoder: any Encoder) throws {
            try JSONValue.object(claims).encode(to: encoder)
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
