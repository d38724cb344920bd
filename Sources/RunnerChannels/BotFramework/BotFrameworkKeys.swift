public import Foundation
internal import JWTKit
internal import NIOHTTP1
internal import RunnerCore
public import RunnerIngress

/// Verifies the `Authorization: Bearer` JWT the Bot Framework sends with each activity.
///
/// Keys come from the OpenID metadata document (`BOTFRAMEWORK_OPENID_METADATA_URL` → its
/// `jwks_uri`); they are cached for a day and fetched again at once when a token names a key
/// id the cache does not know (at most once a minute, so forged key ids cannot make the runner
/// hammer Microsoft). While no keys are cached, or a day-old set is due, a failed fetch is
/// retried at most every 10 s, and concurrent requests share one fetch. A token is accepted only when: its header says RS256 (nothing else, so no
/// `none` and no algorithm confusion) and names a key; its signature verifies (jwt-kit); its
/// `iss` is `https://api.botframework.com`; its `aud` is the tenant's `MICROSOFT_APP_ID`; `exp`
/// is in the future and `nbf` (when present) in the past, with five minutes of skew; the key's
/// `endorsements` (when listed) include the activity's `channelId`; and its `serviceurl` claim
/// is present and is the activity's `serviceUrl` (compared as Microsoft's own SDK does: exactly,
/// without regard to case), so a valid token cannot make the runner post its credentials to
/// another host.
public actor BotFrameworkKeys {
    /// The issuer of Bot Framework channel tokens.
    public static let issuer = "https://api.botframework.com"
    /// Tolerated clock skew.
    public static let skewSeconds: Double = 300

    private let client: ProviderHTTPClient
    private let metadataURL: String
    private let now: @Sendable () -> Date
    private var keys = JWTKeyCollection()
    private var endorsements: [String: [String]] = [:]
    private var knownKeyIDs: Set<String> = []
    private var fetchedAt: Date?
    private var lastAttempt: Date?
    /// Requests waiting for the fetch in flight; `nil` when none is.
    private var waiters: [CheckedContinuation<Void, Never>]?
    /// Least time between two fetches while keys are missing or due.
    static let retrySeconds: Double = 10
    /// Least time between two fetches for an unknown key id.
    static let unknownKeyRetrySeconds: Double = 60

    public init(client: ProviderHTTPClient, metadataURL: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.metadataURL = metadataURL
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
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            throw IngressError(.unauthorized, "missing Authorization: Bearer token")
        }
        let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let header = try Self.header(of: token)
        guard header.alg == "RS256" else { throw IngressError(.unauthorized, "the token must be signed with RS256") }
        guard let kid = header.kid, !kid.isEmpty else { throw IngressError(.unauthorized, "the token names no signing key") }
        if fetchedAt.map({ now().timeIntervalSince($0) > 86_400 }) ?? true {
            await refresh(unlessAttemptedWithin: Self.retrySeconds)
        }
        if !knownKeyIDs.contains(kid) {
            await refresh(unlessAttemptedWithin: Self.unknownKeyRetrySeconds)
        }
        guard fetchedAt != nil else { throw IngressError(.unavailable, "the Bot Framework signing keys could not be fetched") }
        guard knownKeyIDs.contains(kid) else { throw IngressError(.unauthorized, "the token's signing key is unknown") }
        let payload: Payload
        do {
            payload = try await keys.verify(token, as: Payload.self)
        } catch {
            throw IngressError(.unauthorized, "the token's signature does not verify")
        }
        let time = now().timeIntervalSince1970
        guard payload.iss == Self.issuer else { throw IngressError(.unauthorized, "the token's issuer is not \(Self.issuer)") }
        guard payload.aud?.value.contains(appID) == true else { throw IngressError(.unauthorized, "the token is not for this app") }
        guard let exp = payload.exp, time < exp + Self.skewSeconds else { throw IngressError(.unauthorized, "the token has expired") }
        if let nbf = payload.nbf, time < nbf - Self.skewSeconds { throw IngressError(.unauthorized, "the token is not valid yet") }
        if let endorsed = endorsements[kid], !endorsed.isEmpty {
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

    /// Fetches the keys unless a fetch started less than `interval` ago; a caller arriving
    /// while one is in flight waits for it instead of starting another.
    private func refresh(unlessAttemptedWithin interval: Double) async {
        if waiters != nil {
            // No suspension between the check and the append: the fetch in flight resumes it.
            await withCheckedContinuation { continuation in
                if waiters == nil { continuation.resume() } else { waiters?.append(continuation) }
            }
            return
        }
        if let lastAttempt, now().timeIntervalSince(lastAttempt) < interval { return }
        waiters = []
        await fetch()
        let waiting = waiters ?? []
        waiters = nil
        for waiter in waiting { waiter.resume() }
    }

    /// Fetches the metadata document and its key set; keeps the old keys when that fails.
    private func fetch() async {
        lastAttempt = now()
        let timeout = Duration.seconds(10)
        guard case .success(let metadata) = await client.execute(.GET, metadataURL, timeout: timeout), metadata.status == 200,
            let jwksURL = metadata.json?["jwks_uri"]?.stringValue,
            case .success(let jwks) = await client.execute(.GET, jwksURL, timeout: timeout), jwks.status == 200,
            let set = jwks.json?["keys"]?.arrayValue
        else { return }
        let collection = JWTKeyCollection()
        var endorsed: [String: [String]] = [:]
        var ids: Set<String> = []
        for key in set {
            guard key["kty"]?.stringValue == "RSA", let kid = key["kid"]?.stringValue else { continue }
            do {
                let jwk = try key.decode(as: JWK.self)
                try await collection.add(jwk: jwk)
            } catch {
                continue
            }
            ids.insert(kid)
            endorsed[kid] = key["endorsements"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        guard !ids.isEmpty else { return }
        keys = collection
        endorsements = endorsed
        knownKeyIDs = ids
        fetchedAt = now()
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    private static func header(of token: String) throws(IngressError) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = base64URLDecode(parts[0]), let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw IngressError(.unauthorized, "the bearer token is not a JWT")
        }
        return header
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
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
