import AsyncHTTPClient
import Foundation
import RunnerChannels
import RunnerCore
import RunnerTestSupport
import Testing

@testable import RunnerHost

/// The GCP and Azure backends against loopback fakes of their APIs that check every credential.
@Suite("Cloud secrets")
struct CloudSecretsTests {
    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The form fields of a URL-encoded body.
    static func form(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    @Test func gcpWithAnAccessToken() async throws {
        let api = FakeProviderAPI { call in
            guard call.header("authorization") == "Bearer gcp-token" else { return .json(401, ["error": ["status": "UNAUTHENTICATED"]]) }
            if call.path == "/v1/projects/proj-1/secrets/greentic-acme__api_key/versions/latest:access" {
                return .json(200, ["payload": ["data": .string(Self.base64("s3cret ✓"))]])
            }
            return .json(404, ["error": ["status": "NOT_FOUND"]])
        }
        try await api.run { baseURL in
            let gcp = GCPSecretManager(
                configuration: .init(project: "proj-1", credentials: .accessToken("gcp-token"), endpoint: baseURL),
                client: ProviderHTTPClient(http: .shared)
            )
            #expect(try await gcp.secret("api_key", tenant: "acme") == "s3cret ✓")
            #expect(try await gcp.secret("missing", tenant: "acme") == nil)
            try await gcp.checkReachable()
            let refused = GCPSecretManager(
                configuration: .init(project: "proj-1", credentials: .accessToken("stolen"), endpoint: baseURL),
                client: ProviderHTTPClient(http: .shared)
            )
            let error = await #expect(throws: SecretsError.self) { try await refused.secret("api_key", tenant: "acme") }
            #expect(error?.message == "GCP Secret Manager: accessing greentic-acme__api_key answered 401 UNAUTHENTICATED")
        }
    }

    @Test func gcpWithAServiceAccountMintsOneTokenAndReusesIt() async throws {
        let key = try await ServiceAccountTestKey()
        let api = FakeProviderAPI { call in
            // The assertion is checked below, from the recorded call.
            if call.path == "/token" { return .json(200, ["access_token": "minted-token", "expires_in": 3599]) }
            guard call.header("authorization") == "Bearer minted-token" else {
                return .json(403, ["error": ["status": "PERMISSION_DENIED"]])
            }
            return .json(200, ["payload": ["data": .string(Self.base64("from-\(call.path.split(separator: "/")[4])"))]])
        }
        try await api.run { baseURL async throws in
            let gcp = GCPSecretManager(
                configuration: .init(project: "p", credentials: .serviceAccount(key.json(tokenURI: baseURL + "/token")), endpoint: baseURL),
                client: ProviderHTTPClient(http: .shared)
            )
            #expect(try await gcp.secret("a", tenant: "acme") == "from-greentic-acme__a")
            #expect(try await gcp.secret("b", tenant: "acme") == "from-greentic-acme__b")
        }
        #expect(api.calls(to: "/token").count == 1, "the token is kept until it nears its expiry")
        let exchange = try #require(api.calls(to: "/token").first)
        let fields = Self.form(exchange.body)
        #expect(fields["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        let claims = try #require(await key.claims(of: fields["assertion"] ?? ""), "the assertion is signed with the service account's key")
        #expect(claims["iss"] == .string(key.email))
        #expect(claims["scope"] == "https://www.googleapis.com/auth/cloud-platform")
        #expect(claims["aud"]?.stringValue?.hasSuffix("/token") == true)
    }

    @Test func azureWithClientCredentials() async throws {
        let api = FakeProviderAPI { call in
            if call.path == "/tenant-1/oauth2/v2.0/token" {
                let fields = Self.form(call.body)
                guard fields["grant_type"] == "client_credentials", fields["client_id"] == "app-1", fields["client_secret"] == "p@ss&word",
                    fields["scope"] == "https://vault.azure.net/.default"
                else { return .json(401, ["error": "invalid_client"]) }
                return .json(200, ["access_token": "kv-token", "expires_in": 3599, "token_type": "Bearer"])
            }
            guard call.header("authorization") == "Bearer kv-token", call.query == "api-version=7.4" else {
                return .json(401, ["error": ["code": "Unauthorized"]])
            }
            if call.path == "/secrets/greentic-acme-eu--SLACK-SIGNING-SECRET" { return .json(200, ["value": "signing", "id": "x"]) }
            return .json(404, ["error": ["code": "SecretNotFound"]])
        }
        try await api.run { baseURL in
            let vault = AzureKeyVault(
                configuration: .init(
                    vaultURL: baseURL,
                    tenantID: "tenant-1",
                    clientID: "app-1",
                    clientSecret: "p@ss&word",
                    authorityHost: baseURL
                ),
                client: ProviderHTTPClient(http: .shared)
            )
            #expect(try await vault.secret("SLACK_SIGNING_SECRET", tenant: "acme.eu") == "signing")
            #expect(try await vault.secret("missing", tenant: "acme.eu") == nil)
            try await vault.checkReachable()
            let wrong = AzureKeyVault(
                configuration: .init(
                    vaultURL: baseURL,
                    tenantID: "tenant-1",
                    clientID: "app-1",
                    clientSecret: "guess",
                    authorityHost: baseURL
                ),
                client: ProviderHTTPClient(http: .shared)
            )
            let error = await #expect(throws: SecretsError.self) { try await wrong.secret("SLACK_SIGNING_SECRET", tenant: "acme.eu") }
            #expect(error?.message == "the Azure token endpoint refused the client credentials (401 invalid_client)")
        }
        #expect(api.calls(to: "/oauth2/v2.0/token").count == 2, "one token per backend, reused for every read")
    }

    @Test func cloudNamesThatWouldCollideAreRefused() throws {
        func bindings(_ tenant: String, _ secrets: [String]) -> TenantBindings {
            TenantBindings(tenant: tenant, flowTypeBindings: ["webhook": .init(secrets: secrets)])
        }
        let azure = CloudSecretNames.azure(prefix: "greentic-")
        #expect(azure.name(tenant: "acme_eu", name: "api.key") == "greentic-acme-eu--api-key")
        let caseOnly = try #require(throws: ConfigurationError.self) {
            try azure.validate([bindings("acme", ["Key", "key"])], credentialNames: [])
        }
        #expect(caseOnly.message.contains("would both be"))
        let gcp = CloudSecretNames.gcp(prefix: "greentic-")
        #expect(gcp.name(tenant: "acme.eu", name: "api_key") == "greentic-acme-eu__api_key")
        #expect(throws: ConfigurationError.self) {
            try gcp.validate([bindings("a.b", []), bindings("a-b", [])], credentialNames: ["TOKEN"])
        }
        try gcp.validate([bindings("acme", ["Key", "key"])], credentialNames: ["TOKEN"])
    }
}
