internal import Foundation
internal import JWTKit
internal import RunnerChannels
internal import RunnerCore
internal import RunnerIngress

/// `TENANT_RESOLVER=jwt`: the tenant is a claim of a token whose signature, algorithm and
/// times verify (jwt-kit), so a caller can reach only the tenant it was issued for.
///
/// A token is accepted only when: it is three base64url segments (no padding, no standard
/// base64); its header's `alg` is one the configured keys can make (HS256/384/512 for a shared
/// secret at least as long as the hash: HS384 from 48 bytes, HS512 from 64; RS256/384/512, ES256/384/512 or EdDSA for a key set, and only with a key of the
/// matching type, so neither `none` nor algorithm confusion gets through); its signature
/// verifies; it has an `exp` in the future and, when present, an `nbf` in the past (60 s of
/// skew either way); its `iss` and `aud` match `TENANT_JWT_ISSUER` and `TENANT_JWT_AUDIENCE`
/// when those are set; and its tenant claim is a string that is a valid tenant name. Anything
/// else is a 401 naming the reason; a key set that cannot be fetched at all is a 503.
struct TenantTokenVerifier: Sendable {
    /// Tolerated clock skew.
    static let skewSeconds: Double = 60

    private enum Keys: Sendable {
        /// One collection per HMAC algorithm, the shared secret as each one's default key.
        case secret([String: JWTKeyCollection])
        case keySet(JSONWebKeySet)
    }

    private let keys: Keys
    private let settings: RunnerHostConfiguration.TenantToken
    private let now: @Sendable () -> Date

    /// The algorithms a key set's key of each JWK type may sign with.
    private static let keySetAlgorithms: [String: String] = [
        "RS256": "RSA", "RS384": "RSA", "RS512": "RSA",
        "ES256": "EC", "ES384": "EC", "ES512": "EC",
        "EdDSA": "OKP",
    ]

    init(settings: RunnerHostConfiguration.TenantToken, client: ProviderHTTPClient, now: @escaping @Sendable () -> Date) async {
        self.settings = settings
        self.now = now
        switch settings.keys {
        case .secret(let secret):
            // RFC 7518 §3.2: a key at least as long as the hash (jwt-kit traps on a shorter one).
            var collections: [String: JWTKeyCollection] = [:]
            for (name, digest, bytes) in [("HS256", DigestAlgorithm.sha256, 32), ("HS384", .sha384, 48), ("HS512", .sha512, 64)]
            where secret.utf8.count >= bytes {
                collections[name] = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: digest)
            }
            keys = .secret(collections)
        case .keySetURL(let url):
            keys = .keySet(JSONWebKeySet(client: client, source: .keySet(url), keyTypes: ["RSA", "EC", "OKP"], now: now))
        }
    }

    /// The tenant named by the token in `header` (a request header's value lookup).
    func tenant(header: (String) -> String?) async throws(IngressError) -> String {
        let token: String
        if settings.header == "authorization" {
            guard let bearer = BearerToken.parse(header("authorization")) else {
                throw IngressError(.unauthorized, "missing Authorization: Bearer token")
            }
            token = bearer
        } else {
            guard let value = header(settings.header)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw IngressError(.unauthorized, "missing \(settings.header) token")
            }
            token = value
        }
        guard let parsed = CompactJWT(token), let algorithm = parsed.algorithm else {
            throw IngressError(.unauthorized, "the token is not a JWT")
        }
        let collection = try await collection(for: algorithm, keyID: parsed.keyID)
        let claims: Claims
        do {
            claims = try await collection.verify(token, as: Claims.self)
        } catch {
            throw IngressError(.unauthorized, "the token's signature does not verify")
        }
        return try tenant(of: claims)
    }

    /// The keys that may verify a token signed with `algorithm`.
    private func collection(for algorithm: String, keyID: String?) async throws(IngressError) -> JWTKeyCollection {
        switch keys {
        case .secret(let collections):
            guard let collection = collections[algorithm] else {
                throw IngressError(.unauthorized, "the token must be signed with \(collections.keys.sorted().joined(separator: ", "))")
            }
            return collection
        case .keySet(let set):
            guard let keyType = Self.keySetAlgorithms[algorithm] else {
                throw IngressError(.unauthorized, "the token must be signed with RS256/384/512, ES256/384/512 or EdDSA")
            }
            guard let keyID, !keyID.isEmpty else { throw IngressError(.unauthorized, "the token names no signing key (kid)") }
            let key: JSONWebKeySet.Key?
            do {
                key = try await set.key(keyID)
            } catch {
                throw IngressError(.unavailable, "the tenant token keys (TENANT_JWT_JWKS_URL) could not be fetched")
            }
            guard let key else { throw IngressError(.unauthorized, "the token's signing key is unknown") }
            guard key.document["kty"]?.stringValue == keyType else {
                throw IngressError(.unauthorized, "the token's algorithm does not match its key")
            }
            if let declared = key.document["alg"]?.stringValue, declared != algorithm {
                throw IngressError(.unauthorized, "the token's algorithm does not match its key")
            }
            return key.collection
        }
    }

    /// Checks the token's times, issuer and audience, and reads its tenant claim.
    private func tenant(of claims: Claims) throws(IngressError) -> String {
        let time = now().timeIntervalSince1970
        guard let exp = claims.exp else { throw IngressError(.unauthorized, "the token has no expiry (exp)") }
        guard time < exp + Self.skewSeconds else { throw IngressError(.unauthorized, "the token has expired") }
        if let nbf = claims.nbf, time < nbf - Self.skewSeconds { throw IngressError(.unauthorized, "the token is not valid yet") }
        if let issuer = settings.issuer, claims.iss != issuer {
            throw IngressError(.unauthorized, "the token's issuer is not \(issuer)")
        }
        if let audience = settings.audience, claims.aud?.contains(audience) != true {
            throw IngressError(.unauthorized, "the token is not for audience \(audience)")
        }
        guard let tenant = claims.claims[settings.claim]?.stringValue, TenantName.isValid(tenant) else {
            throw IngressError(.unauthorized, "the token's \(settings.claim) claim is not a tenant name")
        }
        return tenant
    }

    /// The claims read; checked above with the runner's clock, not by jwt-kit.
    private struct Claims: JWTPayload {
        var exp: Double?
        var nbf: Double?
        var iss: String?
        var aud: [String]?
        var claims: [String: JSONValue]

        init(from decoder: any Decoder) throws {
            let object = try JSONValue(from: decoder)
            claims = object.objectValue ?? [:]
            exp = Self.seconds(object["exp"])
            nbf = Self.seconds(object["nbf"])
            iss = object["iss"]?.stringValue
            switch object["aud"] {
            case .string(let value)?: aud = [value]
            case .array(let values)?: aud = values.compactMap(\.stringValue)
            default: aud = nil
            }
        }

        /// A NumericDate (RFC 7519 §2): seconds, possibly fractional.
        private static func seconds(_ value: JSONValue?) -> Double? {
            switch value {
            case .int(let seconds)?: Double(seconds)
            case .double(let seconds)? where seconds.isFinite: seconds
            default: nil
            }
        }

        func encode(to encoder: any Encoder) throws {
            try JSONValue.object(claims).encode(to: encoder)
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
