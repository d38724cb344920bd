import Foundation
import RunnerCore
import RunnerHost
import RunnerTestSupport
import Synchronization
import Testing

/// `TENANT_RESOLVER=jwt` end to end: only a verified token routes a request, and only to the
/// tenant it names.
@Suite("Tenant tokens")
struct TenantTokenTests {
    /// 64 bytes: long enough for HS512.
    static let secret = String(repeating: "0123456789abcdef", count: 4)

    /// Two tenants serving the same counting flow, each with its own state.
    static func withTenants(
        _ keys: RunnerHostConfiguration.TenantToken.Keys,
        issuer: String? = nil,
        audience: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        body: @Sendable (LiveClient) async throws -> Void
    ) async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let pack = TestPack(flows: [TestFlows.hello], components: ["greeter": try TestComponents.greeter])
        try deployment.deploy(tenants: ["demo": pack, "acme": pack])
        var configuration = deployment.configuration(bindings: [
            try deployment.bindings(demoBindings),
            try deployment.bindings(demoBindings.replacingOccurrences(of: "tenant: demo", with: "tenant: acme"), tenant: "acme"),
        ])
        configuration.tenancy = .init(
            resolver: .jwt,
            defaultTenant: "demo",
            token: .init(keys: keys, issuer: issuer, audience: audience)
        )
        try await withLiveHost(configuration, now: now, body)
    }

    static func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    @Test func aVerifiedTokenRoutesToItsTenantAndNoOther() async throws {
        let issuer = try await TenantTokenTestIssuer(secret: Self.secret)
        try await Self.withTenants(.secret(Self.secret)) { client in
            let acme = try await issuer.token(.hs256, claims: ["tenant": "acme"])
            let demo = try await issuer.token(.hs512, claims: ["tenant": "demo"])
            #expect(try await client.post("/webhook/hello", "Ada", headers: Self.bearer(acme)).text == "Hello, Ada! visit 1")
            // Neither the tenant header nor Host can redirect a token to another tenant.
            let redirected = try await client.post(
                "/webhook/hello",
                "Ada",
                headers: Self.bearer(acme) + [("x-greentic-tenant", "demo"), ("Host", "demo.example.com")]
            )
            #expect(redirected.text == "Hello, Ada! visit 2")
            // The other tenant's state is its own.
            #expect(try await client.post("/webhook/hello", "Ada", headers: Self.bearer(demo)).text == "Hello, Ada! visit 1")
            let hs384 = try await issuer.token(.hs384, claims: ["tenant": "acme"])
            #expect(
                try await client.post("/webhook/hello", "Ada", headers: [("Authorization", "bearer \(hs384)")]).text
                    == "Hello, Ada! visit 3"
            )
        }
    }

    @Test func everyBadTokenIsA401AndRunsNothing() async throws {
        let issuer = try await TenantTokenTestIssuer(secret: Self.secret)
        let forger = try await TenantTokenTestIssuer(secret: String(repeating: "fedcba9876543210", count: 4))
        try await Self.withTenants(.secret(Self.secret), issuer: "https://gateway.example", audience: "runner") { client in
            let good: [String: JSONValue] = ["tenant": "acme", "iss": "https://gateway.example", "aud": ["runner", "other"]]
            func claims(_ changes: [String: JSONValue]) -> [String: JSONValue] { good.merging(changes) { $1 } }
            let now = Int64(Date().timeIntervalSince1970)
            let valid = try await issuer.token(.hs256, claims: good)
            let segments = valid.split(separator: ".").map(String.init)
            // The same token in standard base64 with padding: not base64url, so not a JWT.
            let standard = segments.map { segment -> String in
                var text = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                while text.count % 4 != 0 { text += "=" }
                return text
            }.joined(separator: ".")
            let cases: [(String, [(String, String)], String)] = [
                ("missing", [], "missing Authorization: Bearer token"),
                ("basic scheme", [("Authorization", "Basic \(valid)")], "missing Authorization: Bearer token"),
                ("malformed", Self.bearer("not.a.jwt"), "the token is not a JWT"),
                ("two segments", Self.bearer(segments.prefix(2).joined(separator: ".")), "the token is not a JWT"),
                ("standard base64", Self.bearer(standard), "the token is not a JWT"),
                (
                    "alg none", Self.bearer(TenantTokenTestIssuer.unsignedToken(claims: .object(claims(["exp": .int(now + 600)])))),
                    "the token must be signed with HS256, HS384, HS512"
                ),
                (
                    "RS256 with a shared secret", Self.bearer(try await issuer.token(.rs256, claims: good)),
                    "the token must be signed with HS256, HS384, HS512"
                ),
                ("wrong key", Self.bearer(try await forger.token(.hs256, claims: good)), "the token's signature does not verify"),
                ("tampered", Self.bearer(segments[0] + "." + segments[1] + "x." + segments[2]), "the token's signature does not verify"),
                ("expired", Self.bearer(try await issuer.token(.hs256, claims: claims(["exp": .int(now - 120)]))), "the token has expired"),
                ("no expiry", Self.bearer(try await issuer.token(.hs256, claims: claims(["exp": .null]))), "the token has no expiry (exp)"),
                (
                    "not yet valid", Self.bearer(try await issuer.token(.hs256, claims: claims(["nbf": .int(now + 600)]))),
                    "the token is not valid yet"
                ),
                (
                    "wrong issuer", Self.bearer(try await issuer.token(.hs256, claims: claims(["iss": "https://evil.example"]))),
                    "the token's issuer is not https://gateway.example"
                ),
                (
                    "wrong audience", Self.bearer(try await issuer.token(.hs256, claims: claims(["aud": "other"]))),
                    "the token is not for audience runner"
                ),
                (
                    "no tenant", Self.bearer(try await issuer.token(.hs256, claims: claims(["tenant": .null]))),
                    "the token's tenant claim is not a tenant name"
                ),
                (
                    "tenant not a name", Self.bearer(try await issuer.token(.hs256, claims: claims(["tenant": "../demo"]))),
                    "the token's tenant claim is not a tenant name"
                ),
            ]
            for (label, headers, message) in cases {
                let response = try await client.post("/webhook/hello", "Ada", headers: headers)
                #expect(response.status == 401, "\(label)")
                #expect(response.json?["error"] as? String == message, "\(label): \(response.text)")
            }
            // A valid token of a tenant that is not loaded.
            let ghost = try await client.post(
                "/webhook/hello",
                "Ada",
                headers: Self.bearer(try await issuer.token(.hs256, claims: claims(["tenant": "ghost"])))
            )
            #expect(ghost.status == 404)
            #expect(ghost.text == #"{"error":"tenant not loaded"}"#)
            // Nothing above ran the flow: the first accepted request is the first visit.
            #expect(try await client.post("/webhook/hello", "Ada", headers: Self.bearer(valid)).text == "Hello, Ada! visit 1")
        }
    }

    @Test func aSecretTooShortForHS512TakesOnlyTheAlgorithmsItCanKey() async throws {
        let secret = String(repeating: "k", count: 40)
        let issuer = try await TenantTokenTestIssuer(secret: String(repeating: "k", count: 64))
        try await Self.withTenants(.secret(secret)) { client in
            let short = try await TenantTokenTestIssuer(secret: secret)
            #expect(
                try await client.post(
                    "/webhook/hello",
                    "Ada",
                    headers: Self.bearer(try await short.token(.hs256, claims: ["tenant": "acme"]))
                ).status == 200
            )
            let hs512 = try await client.post(
                "/webhook/hello",
                "Ada",
                headers: Self.bearer(try await issuer.token(.hs512, claims: ["tenant": "acme"]))
            )
            #expect(hs512.status == 401)
            #expect(hs512.json?["error"] as? String == "the token must be signed with HS256")
        }
    }

    @Test func keySetTokensVerifyWithTheirKeysAndTheKeySetIsFetchedOnce() async throws {
        let issuer = try await TenantTokenTestIssuer(secret: Self.secret)
        let keys = FakeProviderAPI { _ in .json(200, issuer.jwks) }
        try await keys.run { baseURL in
            try await Self.withTenants(.keySetURL(baseURL + "/jwks.json")) { client in
                for (index, algorithm) in [TenantTokenTestIssuer.Algorithm.rs256, .es256, .eddsa].enumerated() {
                    let token = try await issuer.token(algorithm, claims: ["tenant": "acme"])
                    let response = try await client.post("/webhook/hello", "Ada", headers: Self.bearer(token))
                    #expect(response.text == "Hello, Ada! visit \(index + 1)", "\(algorithm): \(response.text)")
                }
                // An HMAC token cannot pass as one of the key set's (no algorithm confusion).
                let hmac = try await issuer.token(.hs256, claims: ["tenant": "acme"])
                let confused = try await client.post("/webhook/hello", "Ada", headers: Self.bearer(hmac))
                #expect(confused.status == 401)
                #expect(confused.json?["error"] as? String == "the token must be signed with RS256/384/512, ES256/384/512 or EdDSA")
            }
        }
        #expect(keys.calls(to: "/jwks.json").count == 1, "the key set is cached")
    }

    @Test func aRotatedKeyIsFetchedOnItsFirstTokenAtMostOnceAMinute() async throws {
        let issuer = try await TenantTokenTestIssuer(secret: Self.secret)
        let published = try #require(issuer.jwks["keys"]?.arrayValue)
        let keys = FakeProviderAPI { _ in .json(200, issuer.jwks) }
        // The first set lacks the EC key, as if it were added later.
        keys.script.withLock { $0 = [.json(200, ["keys": .array(published.filter { $0["kty"] != "EC" })])] }
        let clock = ManualClock()
        try await keys.run { baseURL in
            try await Self.withTenants(.keySetURL(baseURL + "/jwks.json"), now: clock.reader) { client in
                let rsa = try await issuer.token(.rs256, claims: ["tenant": "acme"])
                #expect(try await client.post("/webhook/hello", "Ada", headers: Self.bearer(rsa)).status == 200)
                let ec = try await issuer.token(.es256, claims: ["tenant": "acme"])
                let early = try await client.post("/webhook/hello", "Ada", headers: Self.bearer(ec))
                #expect(early.status == 401, "an unknown key id refetches at most once a minute")
                #expect(early.json?["error"] as? String == "the token's signing key is unknown")
                #expect(keys.calls(to: "/jwks.json").count == 1)
                clock.advance(by: 61)
                #expect(try await client.post("/webhook/hello", "Ada", headers: Self.bearer(ec)).status == 200, "fetched again, now known")
                #expect(keys.calls(to: "/jwks.json").count == 2)
            }
        }
    }

    @Test func aKeySetThatCannotBeFetchedIsA503() async throws {
        let issuer = try await TenantTokenTestIssuer(secret: Self.secret)
        let keys = FakeProviderAPI { _ in .json(500, ["error": "down"]) }
        try await keys.run { baseURL in
            try await Self.withTenants(.keySetURL(baseURL + "/jwks.json")) { client in
                let response = try await client.post(
                    "/webhook/hello",
                    "Ada",
                    headers: Self.bearer(try await issuer.token(.rs256, claims: ["tenant": "acme"]))
                )
                #expect(response.status == 503)
                #expect(response.json?["error"] as? String == "the tenant token keys (TENANT_JWT_JWKS_URL) could not be fetched")
            }
        }
    }
}
