public import Foundation
internal import JWTKit
internal import NIOHTTP1
public import RunnerChannels
internal import RunnerCore

/// `SECRETS_BACKEND=gcp`: Google Secret Manager's REST API,
/// `GET /v1/projects/{project}/secrets/{id}/versions/latest:access`.
///
/// Secret `name` of tenant `t` is the secret id ``CloudSecretNames/gcp(prefix:)`` makes
/// (`greentic-<t>__<name>`, other characters `-`); its payload is the value. 404 is "no such
/// secret"; anything else is an error naming Google's status. The bearer token is
/// `GCP_ACCESS_TOKEN` as given, or minted from the service-account key file of
/// `GOOGLE_APPLICATION_CREDENTIALS` (a JWT signed with its key, exchanged at its `token_uri` for
/// a `cloud-platform` token, kept until a minute before it expires). The role needed is
/// `roles/secretmanager.secretAccessor`.
public struct GCPSecretManager: SecretsProvider {
    /// How the backend authenticates.
    public enum Credentials: Sendable, Hashable {
        /// A ready access token (`GCP_ACCESS_TOKEN`).
        case accessToken(String)
        /// A service account's key file (`GOOGLE_APPLICATION_CREDENTIALS`), as JSON text.
        case serviceAccount(String)
    }

    public struct Configuration: Sendable, Hashable {
        public var project: String
        public var credentials: Credentials
        /// The API's base URL (`SECRETS_GCP_ENDPOINT`), without a trailing slash.
        public var endpoint: String
        public var names: CloudSecretNames

        public init(
            project: String,
            credentials: Credentials,
            endpoint: String = "https://secretmanager.googleapis.com",
            prefix: String = "greentic-"
        ) {
            self.project = project
            self.credentials = credentials
            self.endpoint = endpoint
            self.names = .gcp(prefix: prefix)
        }
    }

    private let configuration: Configuration
    private let client: ProviderHTTPClient
    private let tokens: AccessTokenSource

    public init(configuration: Configuration, client: ProviderHTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.client = client
        let credentials = configuration.credentials
        self.tokens = AccessTokenSource(now: now) { () throws(SecretsError) in
            switch credentials {
            case .accessToken(let token):
                return (token, 3600)
            case .serviceAccount(let json):
                return try await Self.exchange(serviceAccount: json, client: client, now: now())
            }
        }
    }

    public func secret(_ name: String, tenant: String) async throws(SecretsError) -> String? {
        try await value(id: configuration.names.name(tenant: tenant, name: name))
    }

    public func checkReachable() async throws(SecretsError) {
        _ = try await value(id: configuration.names.name(tenant: "greentic", name: "reachability-check"))
    }

    private func value(id: String) async throws(SecretsError) -> String? {
        let token = try await tokens.token()
        let url = "\(configuration.endpoint)/v1/projects/\(configuration.project)/secrets/\(id)/versions/latest:access"
        let response = try await client.secretsCall(
            .GET,
            url,
            headers: [("authorization", "Bearer \(token)")],
            service: "GCP Secret Manager"
        )
        switch response.status {
        case 200:
            guard let data = response.json?["payload"]?["data"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
                let text = String(data: data, encoding: .utf8)
            else { throw SecretsError("GCP Secret Manager: secret \(id) has no UTF-8 payload") }
            return text
        case 404:
            return nil
        default:
            let status = response.json?["error"]?["status"]?.stringValue ?? ""
            throw SecretsError("GCP Secret Manager: accessing \(id) answered \(response.status) \(status)")
        }
    }

    /// Exchanges a service account's signed JWT for an access token (RFC 7523).
    static func exchange(
        serviceAccount json: String,
        client: ProviderHTTPClient,
        now: Date
    ) async throws(SecretsError) -> (token: String, expiresIn: Double) {
        guard let account = try? JSONValue(parsing: Array(json.utf8)), let email = account["client_email"]?.stringValue,
            let pem = account["private_key"]?.stringValue
        else { throw SecretsError("GOOGLE_APPLICATION_CREDENTIALS is not a service account key (client_email, private_key)") }
        let tokenURI = account["token_uri"]?.stringValue ?? "https://oauth2.googleapis.com/token"
        let assertion: String
        do {
            let keys = await JWTKeyCollection().add(rsa: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256)
            let issued = now.timeIntervalSince1970.rounded(.down)
            assertion = try await keys.sign(
                Assertion(
                    iss: email,
                    scope: "https://www.googleapis.com/auth/cloud-platform",
                    aud: tokenURI,
                    iat: issued,
                    exp: issued + 3600
                )
            )
        } catch {
            throw SecretsError("the service account's private key cannot sign a token")
        }
        let body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
        let response = try await client.secretsCall(
            .POST,
            tokenURI,
            headers: [("content-type", "application/x-www-form-urlencoded")],
            body: Array(body.utf8),
            service: "the GCP token endpoint"
        )
        guard response.status == 200, let token = response.json?["access_token"]?.stringValue else {
            throw SecretsError("the GCP token endpoint refused the service account (\(response.status))")
        }
        return (token, Double(response.json?["expires_in"]?.int64Value ?? 3600))
    }

    private struct Assertion: JWTPayload {
        var iss: String
        var scope: String
        var aud: String
        var iat: Double
        var exp: Double

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
