public import Foundation
internal import NIOHTTP1
public import RunnerChannels
internal import RunnerCore

/// `SECRETS_BACKEND=azure`: Azure Key Vault's REST API, `GET {vault}/secrets/{name}?api-version=7.4`.
///
/// Secret `name` of tenant `t` is the secret ``CloudSecretNames/azure(prefix:)`` names
/// (`greentic-<t>--<name>`, other characters `-`); its `value` is the value. 404 is "no such
/// secret"; anything else is an error naming Azure's error code. The bearer token comes from
/// the client-credentials grant of an app registration (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
/// `AZURE_CLIENT_SECRET`) at `AZURE_AUTHORITY_HOST` (default `https://login.microsoftonline.com`)
/// for the scope `https://vault.azure.net/.default`, kept until a minute before it expires. The
/// permission needed is `Get` on secrets (the role Key Vault Secrets User).
public struct AzureKeyVault: SecretsProvider {
    public struct Configuration: Sendable, Hashable {
        /// The vault's URL (`AZURE_KEYVAULT_URL`), without a trailing slash.
        public var vaultURL: String
        public var tenantID: String
        public var clientID: String
        public var clientSecret: String
        /// The identity platform's base URL, without a trailing slash.
        public var authorityHost: String
        public var names: CloudSecretNames

        public init(
            vaultURL: String,
            tenantID: String,
            clientID: String,
            clientSecret: String,
            authorityHost: String = "https://login.microsoftonline.com",
            prefix: String = "greentic-"
        ) {
            self.vaultURL = vaultURL
            self.tenantID = tenantID
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.authorityHost = authorityHost
            self.names = .azure(prefix: prefix)
        }
    }

    private let configuration: Configuration
    private let client: ProviderHTTPClient
    private let tokens: AccessTokenSource

    public init(configuration: Configuration, client: ProviderHTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.client = client
        self.tokens = AccessTokenSource(now: now) { () throws(SecretsError) in
            try await Self.clientCredentialsToken(configuration, client: client)
        }
    }

    public func secret(_ name: String, tenant: String) async throws(SecretsError) -> String? {
        try await value(name: configuration.names.name(tenant: tenant, name: name))
    }

    public func checkReachable() async throws(SecretsError) {
        _ = try await value(name: configuration.names.name(tenant: "greentic", name: "reachability-check"))
    }

    private func value(name: String) async throws(SecretsError) -> String? {
        let token = try await tokens.token()
        let url = "\(configuration.vaultURL)/secrets/\(name)?api-version=7.4"
        let response = try await client.secretsCall(.GET, url, headers: [("authorization", "Bearer \(token)")], service: "Azure Key Vault")
        switch response.status {
        case 200:
            guard let value = response.json?["value"]?.stringValue else {
                throw SecretsError("Azure Key Vault: secret \(name) has no value")
            }
            return value
        case 404:
            return nil
        default:
            let code = response.json?["error"]?["code"]?.stringValue ?? ""
            throw SecretsError("Azure Key Vault: reading \(name) answered \(response.status) \(code)")
        }
    }

    static func clientCredentialsToken(
        _ configuration: Configuration,
        client: ProviderHTTPClient
    ) async throws(SecretsError) -> (token: String, expiresIn: Double) {
        func form(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
        let body =
            "grant_type=client_credentials&client_id=\(form(configuration.clientID))&client_secret=\(form(configuration.clientSecret))"
            + "&scope=\(form("https://vault.azure.net/.default"))"
        let url = "\(configuration.authorityHost)/\(configuration.tenantID)/oauth2/v2.0/token"
        let response = try await client.secretsCall(
            .POST,
            url,
            headers: [("content-type", "application/x-www-form-urlencoded")],
            body: Array(body.utf8),
            service: "the Azure token endpoint"
        )
        guard response.status == 200, let token = response.json?["access_token"]?.stringValue else {
            let code = response.json?["error"]?.stringValue ?? ""
            throw SecretsError("the Azure token endpoint refused the client credentials (\(response.status) \(code))")
        }
        return (token, Double(response.json?["expires_in"]?.int64Value ?? 3600))
    }
}
