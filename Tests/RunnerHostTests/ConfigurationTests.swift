import Configuration
import Foundation
import NIOCore
import RunnerCloud
import RunnerFlow
import Testing

@testable import RunnerHost

@Suite("Configuration from the environment")
struct ConfigurationTests {
    func configuration(_ environment: [String: String], bindings: [String] = [], port: Int? = nil) throws -> RunnerHostConfiguration {
        try RunnerHostConfiguration(
            config: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)),
            bindingsFiles: bindings,
            port: port
        )
    }

    @Test func defaultsServeTheBundledDemo() throws {
        let configuration = try configuration([:])
        #expect(configuration.packs.indexLocation == "examples/index.json")
        #expect(configuration.bindingsFiles == ["examples/bindings/demo.yaml"])
        #expect(configuration.store == .sqlite(path: ".greentic/runner.sqlite"))
        #expect(configuration.http.port == 8080)
        #expect(configuration.http.maxBodyBytes == 512 * 1024)
        #expect(configuration.packs.refreshIntervalMs == 30_000)
        #expect(configuration.tenancy == .init(resolver: .env, defaultTenant: "demo"))
        #expect(configuration.sessions.resumeTTLSeconds == 86_400)
    }

    @Test func readsEveryVariable() throws {
        let configuration = try configuration(
            [
                "PACK_INDEX_URL": "/srv/index.json", "PACK_SOURCE": "FS", "PACK_CACHE_DIR": "/var/cache/packs",
                "PACK_CACHE_MAX_MB": "64",
                "PACK_PUBLIC_KEY": "ed25519:AAAA", "PACK_VERIFY_STRICT": "0", "PACK_REFRESH_INTERVAL": "1m30s",
                "TENANT_RESOLVER": "host", "DEFAULT_TENANT": "acme", "ADMIN_TOKEN": "t", "STORE_URL": "memory://", "PORT": "9000",
                "MAX_BODY_BYTES": "1000", "MAX_JSON_DEPTH": "10", "SESSION_TTL": "2h", "DEDUPE_TTL": "10m",
                "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/", "WASM_FUEL": "1000",
                "WASM_TIMEOUT": "250ms", "WASM_MAX_MEMORY_MB": "16", "WASM_WORKERS": "3", "FLOW_MAX_NODES": "10", "FLOW_TIMEOUT": "5s",
                "SLACK_API_BASE_URL": "http://127.0.0.1:1/api", "BOTFRAMEWORK_OPENID_METADATA_URL": "http://127.0.0.1:2/openid",
                "BOTFRAMEWORK_TOKEN_URL": "http://127.0.0.1:3/token", "WEBEX_API_BASE_URL": "http://127.0.0.1:4/v1",
                "WHATSAPP_API_BASE_URL": "http://127.0.0.1:5/v21.0", "HTTP_IDLE_TIMEOUT": "5s", "HTTP_BODY_TIMEOUT": "2s",
                "HTTP_MAX_CONNECTIONS": "100", "OUTBOX_MAX_ATTEMPTS": "4", "OUTBOX_BACKOFF_BASE": "250ms", "OUTBOX_BACKOFF_MAX": "1m",
                "OUTBOX_CONCURRENCY": "5", "OUTBOX_TENANT_CONCURRENCY": "2", "OUTBOX_SEND_TIMEOUT": "10s", "OUTBOX_DEAD_TTL": "1d",
                "OUTBOX_RESEND_UNKNOWN": "true", "INBOX_CONCURRENCY": "7", "INBOX_LEASE": "40s", "INBOX_RETRY_WINDOW": "2h",
            ],
            bindings: ["a.yaml", "b.yaml"],
            port: 7000
        )
        #expect(
            configuration.packs
                == .init(
                    indexLocation: "/srv/index.json",
                    defaultSource: "fs",
                    cacheDirectory: "/var/cache/packs",
                    publicKey: "ed25519:AAAA",
                    verifyStrict: "0",
                    refreshIntervalMs: 90_000,
                    cacheMaxBytes: 64 << 20
                )
        )
        #expect(configuration.bindingsFiles == ["a.yaml", "b.yaml"])
        #expect(configuration.tenancy == .init(resolver: .host, defaultTenant: "acme"))
        #expect(configuration.admin.token == "t")
        #expect(configuration.store == .memory)
        #expect(configuration.http.port == 7000, "the flag wins over PORT")
        #expect(configuration.http.maxBodyBytes == 1000)
        #expect(configuration.sessions.resumeTTLSeconds == 7200)
        #expect(configuration.sessions.dedupeRetainSeconds == 600)
        #expect(
            configuration.channels
                == .init(
                    telegramAPIBaseURL: "http://127.0.0.1:9",
                    slackAPIBaseURL: "http://127.0.0.1:1/api",
                    botFrameworkOpenIDMetadataURL: "http://127.0.0.1:2/openid",
                    botFrameworkTokenURL: "http://127.0.0.1:3/token",
                    webexAPIBaseURL: "http://127.0.0.1:4/v1",
                    whatsAppAPIBaseURL: "http://127.0.0.1:5/v21.0"
                )
        )
        #expect(configuration.http.idleTimeoutMs == 5000)
        #expect(configuration.http.bodyTimeoutMs == 2000)
        #expect(configuration.http.maxConnections == 100)
        let outbox = configuration.delivery.outbox
        #expect(outbox.maxAttempts == 4)
        #expect(outbox.backoffBaseMs == 250)
        #expect(outbox.backoffMaxMs == 60_000)
        #expect(outbox.concurrency == 5)
        #expect(outbox.tenantConcurrency == 2)
        #expect(outbox.sendTimeoutMs == 10_000)
        #expect(outbox.leaseSeconds == 25, "a lease outlasts two sends' timeouts")
        #expect(configuration.delivery.inboxLeaseMs == 40_000)
        #expect(outbox.deadLetterRetentionSeconds == 86_400)
        #expect(outbox.resendUnknownOutcomes)
        #expect(configuration.delivery.inboxConcurrency == 7)
        #expect(configuration.delivery.inboxRetryWindowSeconds == 7_200)
        #expect(configuration.wasm == .init(fuel: 1000, timeoutMs: 250, maxMemoryMB: 16, workers: 3))
        #expect(configuration.flowLimits.maxNodes == 10)
        #expect(configuration.flowLimits.maxWallTimeMs == 5000)
    }

    @Test(arguments: [
        (["PORT": "http"], "PORT"),
        (["PORT": "70000"], "PORT"),
        (["PACK_REFRESH_INTERVAL": "soon"], "PACK_REFRESH_INTERVAL"),
        (["PACK_REFRESH_INTERVAL": "9223372036854775807"], "PACK_REFRESH_INTERVAL"),
        (["TENANT_RESOLVER": "jwt"], "TENANT_RESOLVER"),
        (["TENANT_RESOLVER": "kerberos"], "TENANT_RESOLVER"),
        (["TENANT_RESOLVER": "jwt", "TENANT_JWT_SECRET": "only-31-bytes-long-secret-here!"], "TENANT_JWT_SECRET"),
        (
            ["TENANT_RESOLVER": "jwt", "TENANT_JWT_SECRET": String(repeating: "k", count: 32), "TENANT_JWT_JWKS_URL": "https://k"],
            "TENANT_JWT_SECRET"
        ),
        (["TENANT_RESOLVER": "jwt", "TENANT_JWT_JWKS_URL": "keys.json"], "TENANT_JWT_JWKS_URL"),
        (["TENANT_RESOLVER": "jwt", "TENANT_JWT_JWKS_URL": "https://k", "TENANT_JWT_HEADER": "x token"], "TENANT_JWT_HEADER"),
        (["DEFAULT_TENANT": "a b"], "DEFAULT_TENANT"),
        (["SECRETS_BACKEND": "vault"], "SECRETS_BACKEND"),
        (["SECRETS_BACKEND": "gcp"], "GCP_PROJECT"),
        (["SECRETS_BACKEND": "gcp", "GCP_PROJECT": "p"], "GOOGLE_APPLICATION_CREDENTIALS"),
        (
            ["SECRETS_BACKEND": "gcp", "GCP_PROJECT": "p", "GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent/key.json"],
            "GOOGLE_APPLICATION_CREDENTIALS"
        ),
        (["SECRETS_BACKEND": "azure"], "AZURE_KEYVAULT_URL"),
        (["SECRETS_BACKEND": "azure", "AZURE_KEYVAULT_URL": "https://v.vault.azure.net"], "AZURE_CLIENT_SECRET"),
        (["SECRETS_BACKEND": "aws"], "AWS_REGION"),
        (["SECRETS_BACKEND": "aws", "AWS_REGION": "eu-west-1"], "AWS_ACCESS_KEY_ID"),
        (
            [
                "SECRETS_BACKEND": "aws", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s",
                "AWS_ENDPOINT_URL": "moto",
            ], "AWS_ENDPOINT_URL"
        ),
        (["SECRETS_BACKEND": "file"], "SECRETS_PATH"),
        (["SECRETS_PATH": "/run/secrets"], "SECRETS_PATH"),
        (["SECRETS_CACHE_TTL": "forever"], "SECRETS_CACHE_TTL"),
        (["STORE_URL": "runner.sqlite"], "STORE_URL"),
        (["STORE_URL": "://x"], "STORE_URL"),
        (["MAX_BODY_BYTES": "-1"], "MAX_BODY_BYTES"),
        (["MAX_JSON_DEPTH": "1000"], "MAX_JSON_DEPTH"),
        (["TELEGRAM_API_BASE_URL": "ftp://x"], "TELEGRAM_API_BASE_URL"),
        (["PACK_SOURCE": "ipfs"], "PACK_SOURCE"),
        (["WASM_TIMEOUT": "0ms"], "WASM_TIMEOUT"),
        (["PACK_CACHE_MAX_MB": "0"], "PACK_CACHE_MAX_MB"),
        (["PACK_CACHE_MAX_MB": "1G"], "PACK_CACHE_MAX_MB"),
        (["ADMIN_TOKEN": "  "], "ADMIN_TOKEN"),
        (["SLACK_API_BASE_URL": "slack.com"], "SLACK_API_BASE_URL"),
        (["OUTBOX_MAX_ATTEMPTS": "0"], "OUTBOX_MAX_ATTEMPTS"),
        (["OUTBOX_BACKOFF_BASE": "10s", "OUTBOX_BACKOFF_MAX": "1s"], "OUTBOX_BACKOFF_MAX"),
        (["OUTBOX_RESEND_UNKNOWN": "maybe"], "OUTBOX_RESEND_UNKNOWN"),
        (["HTTP_IDLE_TIMEOUT": "0s"], "HTTP_IDLE_TIMEOUT"),
        (["HTTP_MAX_CONNECTIONS": "0"], "HTTP_MAX_CONNECTIONS"),
        (["INBOX_LEASE": "20s"], "INBOX_LEASE"),
        (["INBOX_RETRY_WINDOW": "500ms"], "INBOX_RETRY_WINDOW"),
    ])
    func badValuesNameTheVariable(_ environment: [String: String], _ variable: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try configuration(environment) }
        #expect(error.message.contains(variable))
    }

    @Test func secretsBackends() throws {
        #expect(try configuration([:]).secrets == .init())
        let file = try configuration([
            "SECRETS_BACKEND": "File", "SECRETS_PATH": "/run/secrets", "SECRETS_CACHE_TTL": "1m", "SECRETS_NEGATIVE_CACHE_TTL": "0s",
        ])
        #expect(file.secrets == .init(backend: .file(path: "/run/secrets"), cache: .init(ttl: .seconds(60), negativeTTL: .zero)))
        let aws = try configuration([
            "SECRETS_BACKEND": "aws", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cret",
            "AWS_SESSION_TOKEN": "tok", "AWS_ENDPOINT_URL": "http://127.0.0.1:5055/", "SECRETS_PREFIX": "prod/",
        ])
        #expect(
            aws.secrets.backend
                == .aws(
                    .init(
                        region: "eu-west-1",
                        credentials: .init(accessKeyID: "AKID", secretAccessKey: "s3cret", sessionToken: "tok"),
                        endpoint: "http://127.0.0.1:5055",
                        prefix: "prod/"
                    )
                )
        )
        let defaults = try configuration([
            "SECRETS_BACKEND": "aws", "AWS_REGION": "us-east-2", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s",
        ])
        guard case .aws(let settings) = defaults.secrets.backend else {
            Issue.record("not the aws backend: \(defaults.secrets.backend)")
            return
        }
        #expect(settings.endpoint == "https://secretsmanager.us-east-2.amazonaws.com")
        #expect(settings.prefix == "greentic/")

        let gcp = try configuration(["SECRETS_BACKEND": "gcp", "GOOGLE_CLOUD_PROJECT": "proj", "GCP_ACCESS_TOKEN": "tok"])
        #expect(gcp.secrets.backend == .gcp(.init(project: "proj", credentials: .accessToken("tok"))))
        let azure = try configuration([
            "SECRETS_BACKEND": "azure", "AZURE_KEYVAULT_URL": "https://v.vault.azure.net/", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c",
            "AZURE_CLIENT_SECRET": "s", "SECRETS_PREFIX": "prod-",
        ])
        #expect(
            azure.secrets.backend
                == .azure(.init(vaultURL: "https://v.vault.azure.net", tenantID: "t", clientID: "c", clientSecret: "s", prefix: "prod-"))
        )
    }

    @Test func tenantTokensAreConfiguredForJWTModeOnly() throws {
        let jwt = try configuration([
            "TENANT_RESOLVER": "JWT", "TENANT_JWT_JWKS_URL": "https://id.example/jwks.json/", "TENANT_JWT_ISSUER": "https://id.example",
            "TENANT_JWT_AUDIENCE": "runner", "TENANT_JWT_CLAIM": "org", "TENANT_JWT_HEADER": "X-Tenant-Token",
        ])
        #expect(jwt.tenancy.resolver == .jwt)
        #expect(
            jwt.tenancy.token
                == .init(
                    keys: .keySetURL("https://id.example/jwks.json"),
                    issuer: "https://id.example",
                    audience: "runner",
                    claim: "org",
                    header: "x-tenant-token"
                )
        )
        let secret = String(repeating: "s", count: 32)
        #expect(try configuration(["TENANT_RESOLVER": "jwt", "TENANT_JWT_SECRET": secret]).tenancy.token == .init(keys: .secret(secret)))
        #expect(try configuration(["TENANT_RESOLVER": "header", "TENANT_JWT_SECRET": "short"]).tenancy.token == nil)
    }

    @Test func indexAndBindingsComeTogether() throws {
        let noBindings = try #require(throws: ConfigurationError.self) { try configuration(["PACK_INDEX_URL": "/i.json"]) }
        #expect(noBindings.message.contains("--bindings"))
        let noIndex = try #require(throws: ConfigurationError.self) { try configuration([:], bindings: ["a.yaml"]) }
        #expect(noIndex.message.contains("PACK_INDEX_URL"))
    }

    @Test(arguments: [
        ("30s", 30_000), ("250ms", 250), ("5m", 300_000), ("1h30m", 5_400_000), ("2d", 172_800_000), ("7", 7000), ("1h 5s", 3_605_000),
    ])
    func humanDurations(_ text: String, _ milliseconds: Int) {
        #expect(HumanDuration.milliseconds(text) == milliseconds)
    }

    @Test(arguments: ["", "s", "5x", "-5s", "5.5s", "99999999999999999999d", "1d9223372036854775807ms"])
    func invalidDurations(_ text: String) {
        #expect(HumanDuration.milliseconds(text) == nil)
    }
}

@Suite("Bindings files")
struct BindingsTests {
    @Test func parsesTheOriginalSchema() throws {
        let bindings = try TenantBindings(
            yaml: """
                tenant: acme
                flow_type_bindings:
                  messaging:
                    adapter: telegram
                    config: {public_base_url: "https://example.com"}
                    secrets: [TELEGRAM_BOT_TOKEN]
                  webhook:
                    adapter: generic
                    config: {allow_paths: ["/webhook/"], deny_paths: ["/webhook/admin"]}
                    secrets: [weather_key]
                mcp:
                  store: {kind: http-single, name: weather_api, url: "https://x/weather.wasm"}
                  runtime: {max_memory_mb: 128, timeout_ms: 8000, fuel: 50000000}
                  http_enabled: true
                  retry: {max_attempts: 5, base_delay_ms: 250}
                rate_limits: {messaging_send_qps: 10, messaging_burst: 20}
                timers:
                  - {flow_id: nightly, cron: "0 5 * * *"}
                """,
            file: "acme.yaml"
        )
        #expect(bindings.tenant == "acme")
        #expect(bindings.allowedSecrets == ["TELEGRAM_BOT_TOKEN", "weather_key"])
        #expect(bindings.runtime == .init(maxMemoryMB: 128, timeoutMs: 8000, fuel: 50_000_000))
        #expect(bindings.retry == .init(maxAttempts: 5, baseDelayMs: 250))
        #expect(bindings.timers == [.init(flowID: "nightly", cron: "0 5 * * *")])
        #expect(bindings.timers.first?.scheduleID == "nightly")
        #expect(bindings.httpEnabled)
        #expect(bindings.webhookPolicy.permits("/webhook/orders"))
        #expect(!bindings.webhookPolicy.permits("/webhook/admin/x"))
        #expect(!bindings.webhookPolicy.permits("/other"))
    }

    @Test func topLevelRuntimeWinsAndMCPIsOptional() throws {
        let bindings = try TenantBindings(yaml: "tenant: t\nruntime: {fuel: 7}\nmcp: {runtime: {fuel: 9}}\n", file: "t.yaml")
        #expect(bindings.runtime.fuel == 7)
        let minimal = try TenantBindings(yaml: "tenant: t\n", file: "t.yaml")
        #expect(minimal.retry == .init())
        #expect(!minimal.httpEnabled)
        #expect(minimal.webhookPolicy.permits("/anything"))
    }

    @Test(arguments: [
        ("flow_type_bindings: {}", "'tenant'"),
        ("tenant: 'a b'", "'tenant'"),
        ("tenant: t\nruntime: {fuel: -1}", "runtime.fuel"),
        ("tenant: t\nmcp: {runtime: {max_memory_mb: 99999}}", "mcp.runtime.max_memory_mb"),
        ("tenant: t\nretry: {base_delay_ms: 5000000000000000000}", "retry.base_delay_ms"),
        ("tenant: t\nflow_type_bindings: {webhook: {secrets: [1, [2]]}}", "flow_type_bindings.webhook.secrets"),
        ("tenant: t\ntimers: [{cron: '* * * * *'}]", "timers[0].flow_id"),
        ("tenant: t\nrate_limits: {messaging_send_qps: 0}", "rate_limits.messaging_send_qps"),
        ("- just a list", "mapping"),
        ("tenant: [unclosed", "YAML"),
    ])
    func errorsNameTheFileAndField(_ yaml: String, _ field: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try TenantBindings(yaml: yaml, file: "bad.yaml") }
        #expect(error.message.contains("bad.yaml"))
        #expect(error.message.contains(field))
    }
}

@Suite("Tenant resolution and admin peers")
struct TenantResolutionTests {
    @Test(arguments: [
        (TenantResolver.env, [("host", "foo.example.com")], "demo"),
        (.host, [("host", "foo.example.com")], "foo"),
        (.host, [("host", "acme.example.com:8080")], "acme"),
        (.host, [("host", "localhost:8080")], "localhost"),
        (.host, [], "demo"),
        (.header, [("x-greentic-tenant", "acme")], "acme"),
        (.header, [("x-greentic-tenant", " ")], "demo"),
        (.header, [], "demo"),
    ])
    func resolves(_ mode: TenantResolver, _ headers: [(String, String)], _ expected: String) async throws {
        let resolution = TenantResolution(mode: mode, defaultTenant: "demo", token: nil)
        #expect(try await resolution.tenant { name in headers.first { $0.0 == name }?.1 } == expected)
    }

    @Test func loopbackPeers() throws {
        #expect(AdminAuthMiddleware.isLoopback(try .init(ipAddress: "127.0.0.1", port: 1)))
        #expect(AdminAuthMiddleware.isLoopback(try .init(ipAddress: "127.8.9.10", port: 1)))
        #expect(AdminAuthMiddleware.isLoopback(try .init(ipAddress: "::1", port: 1)))
        #expect(!AdminAuthMiddleware.isLoopback(try .init(ipAddress: "10.0.0.1", port: 1)))
        #expect(!AdminAuthMiddleware.isLoopback(try .init(ipAddress: "192.168.1.127", port: 1)))
        #expect(!AdminAuthMiddleware.isLoopback(try .init(ipAddress: "2001:db8::1", port: 1)))
    }
}
