public import Foundation
internal import NIOHTTP1
public import RunnerChannels
public import RunnerCloud
internal import RunnerCore

/// `SECRETS_BACKEND=aws`: AWS Secrets Manager's `GetSecretValue`, signed with SigV4.
///
/// Secret `name` of tenant `t` is the secret id `<prefix><t>/<name>` (`SECRETS_PREFIX`,
/// default `greentic/`); its `SecretString` is the value (a `SecretBinary` that is UTF-8 is
/// accepted too). `ResourceNotFoundException` is "no such secret"; any other failure is an
/// error naming AWS's error type, never a value. Credentials come from `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, the region from `AWS_REGION` (or
/// `AWS_DEFAULT_REGION`), the endpoint from `AWS_ENDPOINT_URL_SECRETS_MANAGER` or
/// `AWS_ENDPOINT_URL` (default `https://secretsmanager.<region>.amazonaws.com`). The IAM
/// permission needed is `secretsmanager:GetSecretValue` on `arn:…:secret:<prefix>*`.
public struct AWSSecretsManager: SecretsProvider {
    /// Where and as whom to call.
    public struct Configuration: Sendable, Hashable {
        public var region: String
        public var credentials: SigV4Signer.Credentials
        /// The service's base URL, without a trailing slash.
        public var endpoint: String
        /// Prefixed to `<tenant>/<name>` to make the secret id.
        public var prefix: String

        public init(region: String, credentials: SigV4Signer.Credentials, endpoint: String? = nil, prefix: String = "greentic/") {
            self.region = region
            self.credentials = credentials
            self.endpoint = endpoint ?? "https://secretsmanager.\(region).amazonaws.com"
            self.prefix = prefix
        }
    }

    /// The secret id `checkReachable()` asks for; its absence proves the call was accepted.
    static let probeName = "__greentic_reachability_check__"

    private let configuration: Configuration
    private let client: ProviderHTTPClient
    private let signer: SigV4Signer
    private let now: @Sendable () -> Date

    public init(configuration: Configuration, client: ProviderHTTPClient, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.client = client
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "secretsmanager")
        self.now = now
    }

    public func secret(_ name: String, tenant: String) async throws(SecretsError) -> String? {
        try await value(id: "\(configuration.prefix)\(tenant)/\(name)")
    }

    public func checkReachable() async throws(SecretsError) {
        _ = try await value(id: "\(configuration.prefix)\(Self.probeName)")
    }

    private func value(id: String) async throws(SecretsError) -> String? {
        let body = JSONValue.object(["SecretId": .string(id)]).serializedBytes()
        guard let url = URL(string: configuration.endpoint + "/"), let host = url.host else {
            throw SecretsError("AWS Secrets Manager: the endpoint \(configuration.endpoint) is not a URL")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let headers = signer.sign(
            method: "POST",
            path: url.path.isEmpty ? "/" : url.path,
            query: nil,
            headers: [
                (name: "Host", value: hostHeader), (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "secretsmanager.GetSecretValue"),
            ],
            body: body,
            at: now()
        )
        let response = try await client.secretsCall(
            .POST,
            configuration.endpoint + "/",
            headers: headers.map { ($0.name, $0.value) },
            body: body,
            service: "AWS Secrets Manager"
        )
        let json = response.json
        if response.status == 200 {
            if let text = json?["SecretString"]?.stringValue { return text }
            if let binary = json?["SecretBinary"]?.stringValue, let data = Data(base64Encoded: binary),
                let text = String(data: data, encoding: .utf8)
            {
                return text
            }
            throw SecretsError("AWS Secrets Manager: secret \(id) has neither a SecretString nor a UTF-8 SecretBinary")
        }
        // `__type` may carry a namespace (`com.amazonaws…#ResourceNotFoundException`).
        let type = (json?["__type"]?.stringValue ?? "").split(separator: "#").last.map(String.init) ?? ""
        if type == "ResourceNotFoundException" { return nil }
        let message = json?["message"]?.stringValue ?? json?["Message"]?.stringValue ?? ""
        throw SecretsError("AWS Secrets Manager: GetSecretValue answered \(response.status) \(type.isEmpty ? "" : type + ": ")\(message)")
    }
}
