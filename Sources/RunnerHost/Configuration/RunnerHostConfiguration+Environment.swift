public import Configuration
internal import Foundation
internal import RunnerCloud
internal import RunnerCore
internal import RunnerFlow

extension RunnerHostConfiguration {
    /// Reads the configuration from environment variables (through swift-configuration's
    /// `ConfigReader`, so tests pass a reader over a dictionary), with command-line values
    /// taking precedence.
    ///
    /// ## Configuration keys
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `PACK_INDEX_URL` | pack index path or `file://` URL | the bundled demo, `examples/index.json` |
    /// | `PACK_SOURCE` | scheme for locators without one | `fs` |
    /// | `PACK_CACHE_DIR` | content-addressed pack cache | `.packs` |
    /// | `PACK_CACHE_MAX_MB` | cache size beyond which unused versions are evicted | `1024` |
    /// | `PACK_PUBLIC_KEY` | `ed25519:BASE64` key for index signatures | unset |
    /// | `PACK_VERIFY_STRICT` | `1`/`true` strict, other values dev-ok | strict iff a key is set |
    /// | `PACK_REFRESH_INTERVAL` | reload period (`30s`, `5m`) | `30s` |
    /// | `TENANT_RESOLVER` | `env`, `host`, `header` or `jwt` | `env` |
    /// | `TENANT_JWT_SECRET` or `TENANT_JWT_JWKS_URL` | `jwt`: HS256/384/512 secret (≥ 32 bytes) or key set URL | one required by `jwt` |
    /// | `TENANT_JWT_ISSUER`, `TENANT_JWT_AUDIENCE` | `jwt`: required `iss`, `aud` | unset: not checked |
    /// | `TENANT_JWT_CLAIM`, `TENANT_JWT_HEADER` | `jwt`: the tenant's claim, the token's header | `tenant`, `authorization` (Bearer) |
    /// | `DEFAULT_TENANT` | tenant for `env` and fallbacks | `demo` |
    /// | `ADMIN_TOKEN` | bearer token for `/admin` | unset: loopback only |
    /// | `SECRETS_BACKEND` | `env`, `file`, `aws`, `gcp` or `azure` | `env` |
    /// | `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL_SECRETS_MANAGER` | `aws` | region and keys required; endpoint AWS's |
    /// | `GCP_PROJECT`, `GCP_ACCESS_TOKEN` or `GOOGLE_APPLICATION_CREDENTIALS`, `SECRETS_GCP_ENDPOINT` | `gcp` | project and one credential required |
    /// | `AZURE_KEYVAULT_URL`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST` | `azure` | all but the authority required |
    /// | `SECRETS_PREFIX` | cloud backends: the prefix of secret names | `greentic/` (aws), `greentic-` (gcp, azure) |
    /// | `SECRETS_PATH` | `file`: a directory of `<tenant>/<name>` files, or one JSON file | required by `file` |
    /// | `SECRETS_CACHE_TTL`, `SECRETS_NEGATIVE_CACHE_TTL` | how long a value, and an absence, are cached | `5m`, `30s` |
    /// | `STORE_URL` | `sqlite://PATH` or `memory://` | `sqlite://.greentic/runner.sqlite` |
    /// | `HOST`, `PORT` | listen address (flags win) | `0.0.0.0`, `8080` |
    /// | `MAX_BODY_BYTES` | largest request body | `524288` |
    /// | `MAX_JSON_DEPTH` | deepest JSON nesting in bodies | `64` |
    /// | `SESSION_TTL` | how long a paused conversation waits | `24h` |
    /// | `DEDUPE_TTL` | how long event ids are remembered | `24h` |
    /// | `TELEGRAM_API_BASE_URL`, `SLACK_API_BASE_URL`, `WEBEX_API_BASE_URL`, `WHATSAPP_API_BASE_URL` | provider APIs | the providers' public URLs |
    /// | `BOTFRAMEWORK_OPENID_METADATA_URL`, `BOTFRAMEWORK_TOKEN_URL` | Bot Framework keys and tokens | Microsoft's public URLs |
    /// | `HTTP_IDLE_TIMEOUT`, `HTTP_BODY_TIMEOUT`, `HTTP_MAX_CONNECTIONS` | connection hardening | `30s`, `30s`, open-files limit − 256 |
    /// | `OUTBOX_MAX_ATTEMPTS`, `OUTBOX_BACKOFF_BASE`, `OUTBOX_BACKOFF_MAX` | reply retries | `12`, `1s`, `10m` |
    /// | `OUTBOX_CONCURRENCY`, `OUTBOX_TENANT_CONCURRENCY`, `OUTBOX_SEND_TIMEOUT` | reply sends | `32`, `8`, `30s` |
    /// | `OUTBOX_DEAD_TTL`, `OUTBOX_RESEND_UNKNOWN` | dead letters | `7d`, `false` |
    /// | `INBOX_CONCURRENCY` | accepted events running at once | `16` |
    /// | `INBOX_LEASE` | how long a node holds an accepted event it runs (failover time) | `FLOW_TIMEOUT` + 60 s |
    /// | `INBOX_RETRY_WINDOW` | how long an accepted event that cannot run yet is retried | `24h` |
    /// | `WASM_FUEL`, `WASM_TIMEOUT`, `WASM_MAX_MEMORY_MB`, `WASM_WORKERS` | Wasm defaults | `50000000`, `5s`, `64`, 2 × cores (≥ 4) |
    /// | `FLOW_MAX_NODES`, `FLOW_TIMEOUT`, `FLOW_MAX_PAYLOAD_BYTES` | run limits | `256`, `30s`, `524288` |
    ///
    /// - Parameters:
    ///   - config: where variables are read.
    ///   - bindingsFiles: `--bindings` values.
    ///   - port: `--port`, overriding `PORT`.
    ///   - host: `--host`, overriding `HOST`.
    /// - Throws: ``ConfigurationError`` naming the first bad variable.
    public init(config: ConfigReader, bindingsFiles: [String] = [], port: Int? = nil, host: String? = nil) throws(ConfigurationError) {
        let env = EnvironmentValues(reader: config)
        var configuration = RunnerHostConfiguration()

        let indexLocation = env.string("PACK_INDEX_URL")
        if let indexLocation {
            guard !bindingsFiles.isEmpty else {
                throw ConfigurationError("PACK_INDEX_URL is set, so at least one --bindings FILE (one per tenant) is required")
            }
            configuration.packs.indexLocation = indexLocation
            configuration.bindingsFiles = bindingsFiles
        } else {
            guard bindingsFiles.isEmpty else {
                throw ConfigurationError("PACK_INDEX_URL is required to locate the pack index when --bindings is given")
            }
            configuration.packs.indexLocation = "examples/index.json"
            configuration.bindingsFiles = ["examples/bindings/demo.yaml"]
        }
        if let source = env.string("PACK_SOURCE") {
            let known = ["fs", "http", "https", "oci", "s3", "gcs", "azblob", "azure", "azureblob"]
            guard known.contains(source.lowercased()) else {
                throw ConfigurationError("PACK_SOURCE=\(source) is not one of \(known.joined(separator: ", "))")
            }
            configuration.packs.defaultSource = source.lowercased()
        }
        configuration.packs.cacheDirectory = env.string("PACK_CACHE_DIR") ?? configuration.packs.cacheDirectory
        if let megabytes = try env.int("PACK_CACHE_MAX_MB", range: 1...(1 << 20)) {
            configuration.packs.cacheMaxBytes = Int64(megabytes) << 20
        }
        configuration.packs.publicKey = env.rawString("PACK_PUBLIC_KEY", isSecret: false)
        configuration.packs.verifyStrict = env.rawString("PACK_VERIFY_STRICT", isSecret: false)
        configuration.packs.refreshIntervalMs =
            try env.duration("PACK_REFRESH_INTERVAL", minimumMs: 100) ?? configuration.packs.refreshIntervalMs

        if let resolver = env.string("TENANT_RESOLVER") {
            guard let mode = TenantResolver(rawValue: resolver.lowercased()) else {
                throw ConfigurationError("TENANT_RESOLVER=\(resolver) is not one of env, host, header, jwt")
            }
            configuration.tenancy.resolver = mode
        }
        if configuration.tenancy.resolver == .jwt {
            configuration.tenancy.token = try Self.tenantToken(env)
        }
        if let tenant = env.string("DEFAULT_TENANT") {
            guard TenantName.isValid(tenant) else {
                throw ConfigurationError("DEFAULT_TENANT=\(tenant) must contain only letters, digits, '.', '_' and '-'")
            }
            configuration.tenancy.defaultTenant = tenant
        }
        if let token = env.rawString("ADMIN_TOKEN", isSecret: true) {
            guard !token.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ConfigurationError(
                    "ADMIN_TOKEN is set but empty; unset it for loopback-only admin access, or set a token (an empty one would be a silent mistake)"
                )
            }
            configuration.admin.token = token.trimmingCharacters(in: .whitespaces)
        }
        switch env.string("SECRETS_BACKEND")?.lowercased() {
        case nil, "env":
            guard env.string("SECRETS_PATH") == nil else { throw ConfigurationError("SECRETS_PATH is set but SECRETS_BACKEND is not file") }
        case "file":
            guard let path = env.string("SECRETS_PATH") else {
                throw ConfigurationError("SECRETS_BACKEND=file needs SECRETS_PATH (a directory of <tenant>/<name> files, or one JSON file)")
            }
            configuration.secrets.backend = .file(path: path)
        case "aws":
            configuration.secrets.backend = .aws(try Self.awsSecrets(env))
        case "gcp":
            configuration.secrets.backend = .gcp(try Self.gcpSecrets(env))
        case "azure", "az":
            configuration.secrets.backend = .azure(try Self.azureSecrets(env))
        case let backend?:
            throw ConfigurationError("SECRETS_BACKEND=\(backend) is not one of env, file, aws, gcp, azure")
        }
        if let ttl = try env.duration("SECRETS_CACHE_TTL", minimumMs: 0) {
            configuration.secrets.cache.ttl = .milliseconds(ttl)
        }
        if let ttl = try env.duration("SECRETS_NEGATIVE_CACHE_TTL", minimumMs: 0) {
            configuration.secrets.cache.negativeTTL = .milliseconds(ttl)
        }
        if let url = env.string("STORE_URL") {
            configuration.store = try Store(url: url)
        }

        configuration.http.host = host ?? env.string("HOST") ?? configuration.http.host
        if let port {
            guard (0...65_535).contains(port) else { throw ConfigurationError("--port \(port) must be between 0 and 65535") }
            configuration.http.port = port
        } else {
            configuration.http.port = try env.int("PORT", range: 0...65_535) ?? configuration.http.port
        }
        configuration.http.maxBodyBytes = try env.int("MAX_BODY_BYTES", range: 1...(64 << 20)) ?? configuration.http.maxBodyBytes
        configuration.http.maxJSONDepth = try env.int("MAX_JSON_DEPTH", range: 1...200) ?? configuration.http.maxJSONDepth
        configuration.http.idleTimeoutMs = try env.duration("HTTP_IDLE_TIMEOUT", minimumMs: 100) ?? configuration.http.idleTimeoutMs
        configuration.http.bodyTimeoutMs = try env.duration("HTTP_BODY_TIMEOUT", minimumMs: 100) ?? configuration.http.bodyTimeoutMs
        configuration.http.maxConnections = try env.int("HTTP_MAX_CONNECTIONS", range: 1...1_000_000) ?? configuration.http.maxConnections

        configuration.sessions.resumeTTLSeconds =
            (try env.duration("SESSION_TTL", minimumMs: 1000)).map { $0 / 1000 } ?? configuration.sessions.resumeTTLSeconds
        configuration.sessions.dedupeRetainSeconds =
            (try env.duration("DEDUPE_TTL", minimumMs: 1000)).map { $0 / 1000 } ?? configuration.sessions.dedupeRetainSeconds

        let urls: [(String, WritableKeyPath<Channels, String>)] = [
            ("TELEGRAM_API_BASE_URL", \.telegramAPIBaseURL), ("SLACK_API_BASE_URL", \.slackAPIBaseURL),
            ("BOTFRAMEWORK_OPENID_METADATA_URL", \.botFrameworkOpenIDMetadataURL), ("BOTFRAMEWORK_TOKEN_URL", \.botFrameworkTokenURL),
            ("WEBEX_API_BASE_URL", \.webexAPIBaseURL), ("WHATSAPP_API_BASE_URL", \.whatsAppAPIBaseURL),
        ]
        for (variable, path) in urls {
            if let base = env.string(variable) { configuration.channels[keyPath: path] = try Self.parseBaseURL(base, variable: variable) }
        }

        var outbox = configuration.delivery.outbox
        outbox.maxAttempts = try env.int("OUTBOX_MAX_ATTEMPTS", range: 1...1000) ?? outbox.maxAttempts
        outbox.backoffBaseMs = try env.duration("OUTBOX_BACKOFF_BASE", minimumMs: 1) ?? outbox.backoffBaseMs
        outbox.backoffMaxMs = try env.duration("OUTBOX_BACKOFF_MAX", minimumMs: 1) ?? outbox.backoffMaxMs
        guard outbox.backoffMaxMs >= outbox.backoffBaseMs else {
            throw ConfigurationError("OUTBOX_BACKOFF_MAX must be at least OUTBOX_BACKOFF_BASE")
        }
        outbox.concurrency = try env.int("OUTBOX_CONCURRENCY", range: 1...4096) ?? outbox.concurrency
        outbox.tenantConcurrency = try env.int("OUTBOX_TENANT_CONCURRENCY", range: 1...4096) ?? outbox.tenantConcurrency
        outbox.sendTimeoutMs = try env.duration("OUTBOX_SEND_TIMEOUT", minimumMs: 100) ?? outbox.sendTimeoutMs
        outbox.leaseSeconds = OutboxDispatcher.Configuration.leaseSeconds(forSendTimeoutMs: outbox.sendTimeoutMs)
        outbox.deadLetterRetentionSeconds =
            (try env.duration("OUTBOX_DEAD_TTL", minimumMs: 1000)).map { $0 / 1000 } ?? outbox.deadLetterRetentionSeconds
        if let resend = env.string("OUTBOX_RESEND_UNKNOWN") {
            switch resend.lowercased() {
            case "1", "true", "yes": outbox.resendUnknownOutcomes = true
            case "0", "false", "no": outbox.resendUnknownOutcomes = false
            default: throw ConfigurationError("OUTBOX_RESEND_UNKNOWN=\(resend) must be true or false")
            }
        }
        configuration.delivery.outbox = outbox
        configuration.delivery.inboxConcurrency =
            try env.int("INBOX_CONCURRENCY", range: 1...4096) ?? configuration.delivery.inboxConcurrency
        if let window = try env.duration("INBOX_RETRY_WINDOW", minimumMs: 1000) {
            configuration.delivery.inboxRetryWindowSeconds = window / 1000
        }

        configuration.wasm.fuel = UInt64(try env.int("WASM_FUEL", range: 1...Int.max) ?? Int(configuration.wasm.fuel))
        configuration.wasm.timeoutMs = try env.duration("WASM_TIMEOUT", minimumMs: 1) ?? configuration.wasm.timeoutMs
        configuration.wasm.maxMemoryMB = try env.int("WASM_MAX_MEMORY_MB", range: 1...4096) ?? configuration.wasm.maxMemoryMB
        configuration.wasm.workers = try env.int("WASM_WORKERS", range: 1...256) ?? configuration.wasm.workers

        configuration.flowLimits.maxNodes = try env.int("FLOW_MAX_NODES", range: 1...100_000) ?? configuration.flowLimits.maxNodes
        configuration.flowLimits.maxWallTimeMs = try env.duration("FLOW_TIMEOUT", minimumMs: 1) ?? configuration.flowLimits.maxWallTimeMs
        configuration.flowLimits.maxPayloadBytes =
            try env.int("FLOW_MAX_PAYLOAD_BYTES", range: 1...(64 << 20)) ?? configuration.flowLimits.maxPayloadBytes
        if let lease = try env.duration("INBOX_LEASE", minimumMs: 1000) {
            guard lease > configuration.flowLimits.maxWallTimeMs else {
                throw ConfigurationError("INBOX_LEASE must be longer than FLOW_TIMEOUT (\(configuration.flowLimits.maxWallTimeMs) ms)")
            }
            configuration.delivery.inboxLeaseMs = lease
        }
        self = configuration
    }

    /// `SECRETS_BACKEND=aws`: the standard `AWS_*` variables.
    private static func awsSecrets(_ env: EnvironmentValues) throws(ConfigurationError) -> AWSSecretsManager.Configuration {
        guard let region = env.string("AWS_REGION") ?? env.string("AWS_DEFAULT_REGION") else {
            throw ConfigurationError("SECRETS_BACKEND=aws needs AWS_REGION (or AWS_DEFAULT_REGION)")
        }
        guard let keyID = env.string("AWS_ACCESS_KEY_ID"), let secret = env.rawString("AWS_SECRET_ACCESS_KEY", isSecret: true),
            !secret.isEmpty
        else {
            throw ConfigurationError("SECRETS_BACKEND=aws needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        var endpoint: String?
        for variable in ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"] {
            if let url = env.string(variable) {
                endpoint = try parseBaseURL(url, variable: variable)
                break
            }
        }
        return AWSSecretsManager.Configuration(
            region: region,
            credentials: .init(
                accessKeyID: keyID,
                secretAccessKey: secret,
                sessionToken: env.rawString("AWS_SESSION_TOKEN", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
            ),
            endpoint: endpoint,
            prefix: env.rawString("SECRETS_PREFIX", isSecret: false) ?? "greentic/"
        )
    }

    /// `SECRETS_BACKEND=gcp`: the project, and an access token or a service account key file.
    private static func gcpSecrets(_ env: EnvironmentValues) throws(ConfigurationError) -> GCPSecretManager.Configuration {
        guard let project = env.string("GCP_PROJECT") ?? env.string("GOOGLE_CLOUD_PROJECT") else {
            throw ConfigurationError("SECRETS_BACKEND=gcp needs GCP_PROJECT (or GOOGLE_CLOUD_PROJECT)")
        }
        let credentials: GCPSecretManager.Credentials
        if let token = env.rawString("GCP_ACCESS_TOKEN", isSecret: true), !token.isEmpty {
            credentials = .accessToken(token)
        } else if let path = env.string("GOOGLE_APPLICATION_CREDENTIALS") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("GOOGLE_APPLICATION_CREDENTIALS=\(path) cannot be read")
            }
            credentials = .serviceAccount(String(decoding: data, as: UTF8.self))
        } else {
            throw ConfigurationError(
                "SECRETS_BACKEND=gcp needs GCP_ACCESS_TOKEN or GOOGLE_APPLICATION_CREDENTIALS (a service account key file)"
            )
        }
        return GCPSecretManager.Configuration(
            project: project,
            credentials: credentials,
            endpoint: try env.string("SECRETS_GCP_ENDPOINT").map { url throws(ConfigurationError) in
                try parseBaseURL(url, variable: "SECRETS_GCP_ENDPOINT")
            }
                ?? "https://secretmanager.googleapis.com",
            prefix: env.rawString("SECRETS_PREFIX", isSecret: false) ?? "greentic-"
        )
    }

    /// `SECRETS_BACKEND=azure`: the vault and an app registration's client credentials.
    private static func azureSecrets(_ env: EnvironmentValues) throws(ConfigurationError) -> AzureKeyVault.Configuration {
        guard let vault = env.string("AZURE_KEYVAULT_URL") else {
            throw ConfigurationError("SECRETS_BACKEND=azure needs AZURE_KEYVAULT_URL")
        }
        guard let tenantID = env.string("AZURE_TENANT_ID"), let clientID = env.string("AZURE_CLIENT_ID"),
            let secret = env.rawString("AZURE_CLIENT_SECRET", isSecret: true), !secret.isEmpty
        else { throw ConfigurationError("SECRETS_BACKEND=azure needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET") }
        return AzureKeyVault.Configuration(
            vaultURL: try parseBaseURL(vault, variable: "AZURE_KEYVAULT_URL"),
            tenantID: tenantID,
            clientID: clientID,
            clientSecret: secret,
            authorityHost: try env.string("AZURE_AUTHORITY_HOST").map { url throws(ConfigurationError) in
                try parseBaseURL(url, variable: "AZURE_AUTHORITY_HOST")
            }
                ?? "https://login.microsoftonline.com",
            prefix: env.rawString("SECRETS_PREFIX", isSecret: false) ?? "greentic-"
        )
    }

    /// `TENANT_JWT_*` for `TENANT_RESOLVER=jwt`: exactly one source of keys; a shared secret
    /// shorter than 32 bytes is refused here (jwt-kit traps on one).
    private static func tenantToken(_ env: EnvironmentValues) throws(ConfigurationError) -> TenantToken {
        let secret = env.rawString("TENANT_JWT_SECRET", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        let keySetURL = env.string("TENANT_JWT_JWKS_URL")
        let keys: TenantToken.Keys
        switch (secret, keySetURL) {
        case (let secret?, nil):
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError(
                    "TENANT_JWT_SECRET is \(secret.utf8.count) bytes; an HMAC key must be at least 32 bytes (256 bits) long"
                )
            }
            keys = .secret(secret)
        case (nil, let url?):
            keys = .keySetURL(try parseBaseURL(url, variable: "TENANT_JWT_JWKS_URL"))
        case (nil, nil):
            throw ConfigurationError("TENANT_RESOLVER=jwt needs TENANT_JWT_SECRET (HS256/384/512) or TENANT_JWT_JWKS_URL (RS/ES/EdDSA)")
        case (_?, _?):
            throw ConfigurationError("set only one of TENANT_JWT_SECRET and TENANT_JWT_JWKS_URL")
        }
        let claim = env.string("TENANT_JWT_CLAIM") ?? "tenant"
        let header = env.string("TENANT_JWT_HEADER") ?? "authorization"
        guard header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            throw ConfigurationError("TENANT_JWT_HEADER=\(header) is not a header name")
        }
        return TenantToken(
            keys: keys,
            issuer: env.string("TENANT_JWT_ISSUER"),
            audience: env.string("TENANT_JWT_AUDIENCE"),
            claim: claim,
            header: header
        )
    }

    static func parseBaseURL(_ text: String, variable: String) throws(ConfigurationError) -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigurationError("\(variable)=\(text) must be an http:// or https:// URL")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}

/// Typed access to configuration values with errors that name the variable.
private struct EnvironmentValues {
    let reader: ConfigReader

    /// The value, trimmed; `nil` when unset or empty.
    func string(_ name: String, isSecret: Bool = false) -> String? {
        guard let value = rawString(name, isSecret: isSecret)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The value as written (an empty string stays empty).
    func rawString(_ name: String, isSecret: Bool) -> String? {
        reader.string(forKey: ConfigKey(name.lowercased().split(separator: "_").map(String.init)), isSecret: isSecret)
    }

    func int(_ name: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(name)=\(text) must be an integer between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func duration(_ name: String, minimumMs: Int) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = HumanDuration.milliseconds(text), value >= minimumMs else {
            throw ConfigurationError("\(name)=\(text) must be a duration such as 250ms, 30s, 5m or 1h (at least \(minimumMs) ms)")
        }
        return value
    }
}
