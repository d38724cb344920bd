public import Foundation
internal import JWTKit
internal import RunnerCore
public import RunnerIngress

/// Verifies the `Authorization: Bearer` JWT the Bot Framework sends with each activity.
///
/// Keys come from the OpenID metadata document (`BOTFRAMEWORK_OPENID_METADATA_URL` → its
/// `jwks_uri`), cached as ``JSONWebKeySet`` describes. A token is accepted only when: its header
/// says RS256 (nothing else, so no `none` and no algorithm confusion) and names a key; its
/// signature verifies (jwt-kit); its `iss` is `https://api.botframework.com`; its `aud` is the
/// tenant's `MICROSOFT_APP_ID`; `exp` is in the future and `nbf` (when present) in the past, with
/// five minutes of skew; the key's `endorsements` (when listed) include the activity's
/// `channelId`; and its `serviceurl` claim is present and is the activity's `serviceUrl`
/// (compared as Microsoft's own SDK does: exactly, without regard to case), so a valid token
/// cannot make the runner post its credentials to another host.
public struct BotFrameworkKeys: Sendable {
    /// The issuer of Bot Framework channel tokens.
    public static let issuer = "https://api.botframework.com"
    /// Tolerated clock skew.
    public static let skewSeconds: Double = 300

    private let keySet: JSONWebKeySet
    private let now: @Sendable () -> Date

    public init(client: ProviderHTTPClient, metadataURL: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.keySet = JSONWebKeySet(client: client, source: .openIDMetadata(metadataURL), keyTypes: ["RSA"], now: now)
        self.now = now
    }

    /// The claims of a verified token.
    public struct Claims: Sendable {
        public var serviceURL: String?
    }

    /// Verifies `authorization` (the header's value) for an activity of `channelID` from `serviceURL`.
    ///
    /// - Throws: ``IngressError`` 401 for any token that does not verify; 503 when no keys
    ///   could be fetched yet.
    public func verify(
        authorization: String?,
        appID: String,
        channelID: String?,
        serviceURL: String?
    ) async throws(IngressError) -> Claims {
        guard let token = BearerToken.parse(authorization) else {
            throw IngressError(.unauthorized, "missing Authorization: Bearer token")
        }
        guard let header = CompactJWT(token) else { throw IngressError(.unauthorized, "the bearer token is not a JWT") }
        guard header.algorithm == "RS256" else { throw IngressError(.unauthorized, "the token must be signed with RS256") }
        guard let kid = header.keyID, !kid.isEmpty else { throw IngressError(.unauthorized, "the token names no signing key") }
        let key: JSONWebKeySet.Key?
        do {
            key = try await keySet.key(kid)
        } catch {
            throw IngressError(.unavailable, "the Bot Framework signing keys could not be fetched")
        }
        guard let key else { throw IngressError(.unauthorized, "the token's signing key is unknown") }
        let payload: Payload
        do {
            payload = try await key.collection.verify(token, as: Payload.self)
        } catch {
            throw IngressError(.unauthorized, "the token's signature does not verify")
        }
        let time = now().timeIntervalSince1970
        guard payload.iss == Self.issuer else { throw IngressError(.unauthorized, "the token's issuer is not \(Self.issuer)") }
        guard payload.aud?.value.contains(appID) == true else { throw IngressError(.unauthorized, "the token is not for this app") }
        guard let exp = payload.exp, time < exp + Self.skewSeconds else { throw IngressError(.unauthorized, "the token has expired") }
        if let nbf = payload.nbf, time < nbf - Self.skewSeconds { throw IngressError(.unauthorized, "the token is not valid yet") }
        let endorsed = key.document["endorsements"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !endorsed.isEmpty {
            guard let channelID, endorsed.contains(channelID) else {
                throw IngressError(.unauthorized, "the signing key is not endorsed for channel \(channelID ?? "(none)")")
            }
        }
        guard let claimed = payload.serviceurl, !claimed.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw IngressError(.unauthorized, "the token names no serviceurl")
        }
        guard let serviceURL, claimed.lowercased() == serviceURL.lowercased() else {
            throw IngressError(.unauthorized, "the activity's serviceUrl is not the token's")
        }
        return Claims(serviceURL: claimed)
    }

    /// The claims the runner reads; checked above, with the runner's clock and skew.
    private struct Payload: JWTPayload {
        var iss: String?
        var aud: AudienceClaim?
        var exp: Double?
        var nbf: Double?
        var serviceurl: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
