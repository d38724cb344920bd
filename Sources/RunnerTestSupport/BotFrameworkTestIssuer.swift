public import Foundation
import JWTKit
public import RunnerCore
import _CryptoExtras

/// Mints Bot Framework channel tokens the way the Bot Connector does: RS256, a key id, the
/// issuer `https://api.botframework.com`, the app id as audience, and a `serviceurl` claim. Its
/// key is made for the test run; ``jwk`` is its public half as the OpenID metadata's key set
/// publishes it.
public struct BotFrameworkTestIssuer: Sendable {
    public let kid: String
    /// The public key, with `endorsements`.
    public let jwk: JSONValue
    private let keys: JWTKeyCollection

    public init(kid: String, endorsements: [String] = ["msteams", "webchat"]) async throws {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = try Insecure.RSA.PrivateKey(pem: privateKey.pemRepresentation)
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        self.kid = kid
        self.jwk = [
            "kty": "RSA", "use": "sig", "kid": .string(kid), "n": .string(Self.base64URL(primitives.modulus)),
            "e": .string(Self.base64URL(primitives.publicExponent)), "endorsements": .array(endorsements.map(JSONValue.string)),
        ]
        keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
    }

    /// A signed token.
    public func token(
        appID: String,
        issuer: String = "https://api.botframework.com",
        serviceURL: String?,
        expires: Date = Date().addingTimeInterval(3600),
        notBefore: Date? = Date().addingTimeInterval(-60)
    ) async throws -> String {
        try await keys.sign(
            Claims(
                iss: issuer,
                aud: appID,
                exp: expires.timeIntervalSince1970.rounded(),
                nbf: notBefore.map { $0.timeIntervalSince1970.rounded() },
                serviceurl: serviceURL
            ),
            kid: JWKIdentifier(string: kid)
        )
    }

    /// The key set document (`{"keys": [...]}`) of `issuers`.
    public static func jwks(_ issuers: [BotFrameworkTestIssuer]) -> JSONValue {
        ["keys": .array(issuers.map(\.jwk))]
    }

    /// An unsigned token (`alg: none`) with the same claims.
    public static func unsignedToken(appID: String, serviceURL: String) -> String {
        let header = base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
        let exp = Int(Date().addingTimeInterval(3600).timeIntervalSince1970)
        let claims = base64URL(
            Data(#"{"iss":"https://api.botframework.com","aud":"\#(appID)","exp":\#(exp),"serviceurl":"\#(serviceURL)"}"#.utf8)
        )
        return "\(header).\(claims)."
    }

    private struct Claims: JWTPayload {
        var iss: String
        var aud: String
        var exp: Double
        var nbf: Double?
        var serviceurl: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
