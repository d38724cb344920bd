internal import Foundation
internal import RunnerCore
public import RunnerFlow

/// Everything the host needs, read once at startup and validated then.
///
/// Build it in code (every field has a default) or from the environment and flags with
/// ``init(environment:overrides:)`` (see `RunnerHostConfiguration+Environment.swift` for the
/// variables). Nothing in the host reads the environment after this.
public struct RunnerHostConfiguration: Sendable {
    public var http: HTTP
    public var packs: Packs
    /// Bindings files, one per tenant.
    public var bindingsFiles: [String]
    public var tenancy: Tenancy
    public var admin: Admin
    public var secrets: Secrets
    public var store: Store
    public var sessions: Sessions
    public var channels: Channels
    public var flowLimits: FlowLimits
    public var wasm: Wasm
    public var delivery: Delivery

    public init(
        http: HTTP = .init(),
        packs: Packs = .init(),
        bindingsFiles: [String] = [],
        tenancy: Tenancy = .init(),
        admin: Admin = .init(),
        secrets: Secrets = .init(),
        store: Store = .sqlite(path: ".greentic/runner.sqlite"),
        sessions: Sessions = .init(),
        channels: Channels = .init(),
        flowLimits: FlowLimits = .init(),
        wasm: Wasm = .init(),
        delivery: Delivery = .init()
    ) {
        self.delivery = delivery
        self.http = http
        self.packs = packs
        self.bindingsFiles = bindingsFiles
        self.tenancy = tenancy
        self.admin = admin
        self.secrets = secrets
        self.store = store
        self.sessions = sessions
        self.channels = channels
        self.flowLimits = flowLimits
        self.wasm = wasm
    }

    /// The HTTP server.
    public struct HTTP: Sendable, Hashable {
        public var host: String
        public var port: Int
        /// Largest accepted raw request body (default 512 KiB).
        public var maxBodyBytes: Int
        /// Deepest accepted JSON nesting in request bodies (default 64).
        public var maxJSONDepth: Int
        /// A connection that sends no complete request head or body part for this long is
        /// closed (`HTTP_IDLE_TIMEOUT`, default 30 s): idle keep-alive and half-open connections,
        /// and clients that never finish their headers.
        public var idleTimeoutMs: Int
        /// Longest a request body may take to arrive (`HTTP_BODY_TIMEOUT`, default 30 s).
        public var bodyTimeoutMs: Int
        /// Most connections open at once; further ones wait to be accepted
        /// (`HTTP_MAX_CONNECTIONS`, default: the file-descriptor limit minus 256, at least 64).
        public var maxConnections: Int

        public init(
            host: String = "0.0.0.0",
            port: Int = 8080,
            maxBodyBytes: Int = 512 * 1024,
            maxJSONDepth: Int = 64,
            idleTimeoutMs: Int = 30_000,
            bodyTimeoutMs: Int = 30_000,
            maxConnections: Int = HTTP.defaultMaxConnections
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.maxJSONDepth = maxJSONDepth
            self.idleTimeoutMs = idleTimeoutMs
            self.bodyTimeoutMs = bodyTimeoutMs
            self.maxConnections = maxConnections
        }

        /// The open-files limit minus 256 (for the store, packs and outbound connections), at
        /// least 64 and at most 16 384.
        public static var defaultMaxConnections: Int {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1000 }
            return Int(min(16_384, max(64, Int64(limit.rlim_cur) - 256)))
        }
    }

    /// Where packs come from and how they are checked.
    public struct Packs: Sendable, Hashable {
        /// `PACK_INDEX_URL`: a path, `file://` URL or (later) `http(s)://` URL of the index.
        public var indexLocation: String
        /// `PACK_SOURCE`: the scheme for locators without one (default `fs`).
        public var defaultSource: String
        /// `PACK_CACHE_DIR` (default `.packs`).
        public var cacheDirectory: String
        /// `PACK_PUBLIC_KEY` (`ed25519:BASE64`), when index signatures are enforced.
        public var publicKey: String?
        /// `PACK_VERIFY_STRICT` as written, `nil` when unset.
        public var verifyStrict: String?
        /// `PACK_REFRESH_INTERVAL` in milliseconds (default 30 s).
        public var refreshIntervalMs: Int
        /// `PACK_CACHE_MAX_MB` in bytes (default 1 GiB): beyond it, versions no runtime uses are
        /// evicted, least recently used first.
        public var cacheMaxBytes: Int64

        public init(
            indexLocation: String = "examples/index.json",
            defaultSource: String = "fs",
            cacheDirectory: String = ".packs",
            publicKey: String? = nil,
            verifyStrict: String? = nil,
            refreshIntervalMs: Int = 30_000,
            cacheMaxBytes: Int64 = 1 << 30
        ) {
            self.indexLocation = indexLocation
            self.defaultSource = defaultSource
            self.cacheDirectory = cacheDirectory
            self.publicKey = publicKey
            self.verifyStrict = verifyStrict
            self.refreshIntervalMs = refreshIntervalMs
            self.cacheMaxBytes = cacheMaxBytes
        }
    }

    /// How a request's tenant is found (`TENANT_RESOLVER`, `DEFAULT_TENANT`, `TENANT_JWT_*`).
    public struct Tenancy: Sendable, Hashable {
        public var resolver: TenantResolver
        public var defaultTenant: String
        /// How `jwt` mode verifies tokens; required by that mode, ignored by the others.
        public var token: TenantToken?

        public init(resolver: TenantResolver = .env, defaultTenant: String = "demo", token: TenantToken? = nil) {
            self.resolver = resolver
            self.defaultTenant = defaultTenant
            self.token = token
        }
    }

    /// The signed token `TENANT_RESOLVER=jwt` reads a request's tenant from.
    public struct TenantToken: Sendable, Hashable {
        /// What verifies the token's signature.
        public enum Keys: Sendable, Hashable {
            /// `TENANT_JWT_SECRET`: a shared secret for HS256, HS384 or HS512 (at least 32 bytes).
            case secret(String)
            /// `TENANT_JWT_JWKS_URL`: a JSON Web Key Set for RS256/384/512, ES256/384/512 or EdDSA.
            case keySetURL(String)
        }

        public var keys: Keys
        /// `TENANT_JWT_ISSUER`: the `iss` a token must have; unset accepts any.
        public var issuer: String?
        /// `TENANT_JWT_AUDIENCE`: a value the token's `aud` must contain; unset accepts any.
        public var audience: String?
        /// `TENANT_JWT_CLAIM`: the claim naming the tenant (default `tenant`).
        public var claim: String
        /// `TENANT_JWT_HEADER`: the request header carrying the token. `authorization` (the
        /// default) takes `Authorization: Bearer <token>`; any other header holds the bare token,
        /// so a gateway can pass the tenant token beside a provider's own `Authorization`.
        public var header: String

        public init(keys: Keys, issuer: String? = nil, audience: String? = nil, claim: String = "tenant", header: String = "authorization")
        {
            self.keys = keys
            self.issuer = issuer
            self.audience = audience
            self.claim = claim
            self.header = header.lowercased()
        }
    }

    /// Where tenants' secrets come from (`SECRETS_BACKEND`, `SECRETS_PATH`, `SECRETS_CACHE_TTL`,
    /// `SECRETS_NEGATIVE_CACHE_TTL`).
    public struct Secrets: Sendable, Hashable {
        public enum Backend: Sendable, Hashable {
            /// `GREENTIC_SECRET_<TENANT>__<NAME>` variables (``EnvironmentSecrets``).
            case env
            /// Files under `SECRETS_PATH` (``FileSecrets``).
            case file(path: String)
            /// AWS Secrets Manager (``AWSSecretsManager``).
            case aws(AWSSecretsManager.Configuration)
            /// Google Secret Manager (``GCPSecretManager``).
            case gcp(GCPSecretManager.Configuration)
            /// Azure Key Vault (``AzureKeyVault``).
            case azure(AzureKeyVault.Configuration)
        }

        public var backend: Backend
        public var cache: TenantSecrets.Configuration

        public init(backend: Backend = .env, cache: TenantSecrets.Configuration = .init()) {
            self.backend = backend
            self.cache = cache
        }
    }

    /// Admin endpoint protection (`ADMIN_TOKEN`; unset means loopback clients only).
    public struct Admin: Sendable, Hashable {
        public var token: String?

        public init(token: String? = nil) {
            self.token = token
        }
    }

    /// Where durable state lives (`STORE_URL`): `scheme://location`, whose scheme picks the
    /// store (``StoreFactory``): `sqlite://PATH` (the default, `.greentic/runner.sqlite`) or
    /// `memory://` built in.
    public struct Store: Sendable, Hashable, CustomStringConvertible {
        /// The URL as given.
        public let url: String
        /// Its scheme, lower-cased.
        public let scheme: String

        /// Parses `scheme://location` (`memory` alone is `memory://`).
        ///
        /// - Throws: ``ConfigurationError`` when there is no `scheme://`.
        public init(url: String) throws(ConfigurationError) {
            let text = url.trimmingCharacters(in: .whitespaces)
            if text.lowercased() == "memory" {
                self.init(verified: "memory://", scheme: "memory")
                return
            }
            guard let separator = text.range(of: "://"),
                let first = text.first, first.isASCII, first.isLetter,
                text[..<separator.lowerBound].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
            else {
                throw ConfigurationError("STORE_URL must be a URL such as sqlite://PATH or memory://")
            }
            self.init(verified: text, scheme: text[..<separator.lowerBound].lowercased())
        }

        private init(verified url: String, scheme: String) {
            self.url = url
            self.scheme = scheme
        }

        /// An embedded SQLite file (WAL mode).
        public static func sqlite(path: String) -> Store { Store(verified: "sqlite://\(path)", scheme: "sqlite") }

        /// Process memory: nothing survives a restart (tests, `flow run`).
        public static let memory = Store(verified: "memory://", scheme: "memory")

        /// What follows `scheme://`.
        public var location: String {
            guard let separator = url.range(of: "://") else { return "" }
            return String(url[separator.upperBound...])
        }

        /// The URL without its credentials (user info as `***@`, since some stores take a token
        /// as the user name, and `password=***` in the query), safe for logs and errors.
        public var description: String {
            let location = self.location
            let authorityEnd = location.firstIndex(where: { "/?#".contains($0) }) ?? location.endIndex
            var authority = String(location[..<authorityEnd])
            if let at = authority.lastIndex(of: "@") {
                authority = "***\(authority[at...])"
            }
            var rest = String(location[authorityEnd...])
            if let query = rest.firstIndex(of: "?") {
                let fields = rest[rest.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { field in
                    let name = field.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                    return ["password", "pass", "token", "secret"].contains(name.lowercased()) ? "\(name)=***" : String(field)
                }
                rest = String(rest[...query]) + fields.joined(separator: "&")
            }
            return "\(scheme)://\(authority)\(rest)"
        }
    }

    /// Conversation and dedupe lifetimes.
    public struct Sessions: Sendable, Hashable {
        /// How long a paused conversation waits for its next message (`SESSION_TTL`, 24 h).
        public var resumeTTLSeconds: Int
        /// How long a processed event id is remembered for dedupe (`DEDUPE_TTL`, 24 h).
        public var dedupeRetainSeconds: Int

        public init(resumeTTLSeconds: Int = 86_400, dedupeRetainSeconds: Int = 86_400) {
            self.resumeTTLSeconds = resumeTTLSeconds
            self.dedupeRetainSeconds = dedupeRetainSeconds
        }
    }

    /// Where the channels' provider APIs are (their credentials come from the secrets backend).
    public struct Channels: Sendable, Hashable {
        /// `TELEGRAM_API_BASE_URL`.
        public var telegramAPIBaseURL: String
        /// `SLACK_API_BASE_URL`.
        public var slackAPIBaseURL: String
        /// `BOTFRAMEWORK_OPENID_METADATA_URL`: where Teams' token signing keys are published.
        public var botFrameworkOpenIDMetadataURL: String
        /// `BOTFRAMEWORK_TOKEN_URL`: where reply tokens are obtained (client credentials).
        public var botFrameworkTokenURL: String
        /// `WEBEX_API_BASE_URL`.
        public var webexAPIBaseURL: String
        /// `WHATSAPP_API_BASE_URL`.
        public var whatsAppAPIBaseURL: String

        public init(
            telegramAPIBaseURL: String = "https://api.telegram.org",
            slackAPIBaseURL: String = "https://slack.com/api",
            botFrameworkOpenIDMetadataURL: String = "https://login.botframework.com/v1/.well-known/openidconfiguration",
            botFrameworkTokenURL: String = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token",
            webexAPIBaseURL: String = "https://webexapis.com/v1",
            whatsAppAPIBaseURL: String = "https://graph.facebook.com/v21.0"
        ) {
            self.telegramAPIBaseURL = telegramAPIBaseURL
            self.slackAPIBaseURL = slackAPIBaseURL
            self.botFrameworkOpenIDMetadataURL = botFrameworkOpenIDMetadataURL
            self.botFrameworkTokenURL = botFrameworkTokenURL
            self.webexAPIBaseURL = webexAPIBaseURL
            self.whatsAppAPIBaseURL = whatsAppAPIBaseURL
        }
    }

    /// Defaults for Wasm execution; bindings `runtime` overrides them per tenant.
    public struct Wasm: Sendable, Hashable {
        public var fuel: UInt64
        public var timeoutMs: Int
        public var maxMemoryMB: Int
        /// Guest threads (default: twice the cores, at least 4). One tenant may run on all but
        /// one of them, so with at least 2 a tenant whose guests spin until their timeout never
        /// stalls another tenant, and with the default it still leaves itself room; the extra
        /// threads cost memory, not CPU, while idle.
        public var workers: Int

        public init(
            fuel: UInt64 = 50_000_000,
            timeoutMs: Int = 5_000,
            maxMemoryMB: Int = 64,
            workers: Int = Wasm.defaultWorkers
        ) {
            self.fuel = fuel
            self.timeoutMs = timeoutMs
            self.maxMemoryMB = maxMemoryMB
            self.workers = max(1, workers)
        }

        /// Twice the active processor count, at least 4.
        public static var defaultWorkers: Int { max(4, 2 * ProcessInfo.processInfo.activeProcessorCount) }
    }
}

extension RunnerHostConfiguration {
    /// How accepted events run and replies are delivered through providers' APIs.
    public struct Delivery: Sendable, Hashable {
        /// Most replies one event may queue; a flow producing more fails (default 32).
        public var maxRepliesPerEvent: Int
        /// The outbox dispatcher's tuning.
        public var outbox: OutboxDispatcher.Configuration
        /// Accepted events running at once (`INBOX_CONCURRENCY`, default 16).
        public var inboxConcurrency: Int
        /// Runs ending without an outcome (a crash or a hang) after which an accepted event is
        /// given up (default 5).
        public var inboxMaxAttempts: Int
        /// How long after arrival an accepted event that cannot run yet (tenant not loaded,
        /// store or provider API unavailable) is retried before it is given up
        /// (`INBOX_RETRY_WINDOW`, default 24 h).
        public var inboxRetryWindowSeconds: Int
        /// How often the inbox is polled for events left by a crash or another node (default 1 s).
        public var inboxPollIntervalMs: Int
        /// How long a node holds an accepted event it runs (`INBOX_LEASE`); after a crash the
        /// event runs elsewhere (or after a restart) once this passed. `nil`: `FLOW_TIMEOUT` + 60 s.
        public var inboxLeaseMs: Int?

        public init(
            maxRepliesPerEvent: Int = 32,
            outbox: OutboxDispatcher.Configuration = .init(),
            inboxConcurrency: Int = 16,
            inboxMaxAttempts: Int = 5,
            inboxRetryWindowSeconds: Int = 86_400,
            inboxPollIntervalMs: Int = 1000,
            inboxLeaseMs: Int? = nil
        ) {
            self.inboxLeaseMs = inboxLeaseMs
            self.maxRepliesPerEvent = maxRepliesPerEvent
            self.outbox = outbox
            self.inboxConcurrency = inboxConcurrency
            self.inboxMaxAttempts = inboxMaxAttempts
            self.inboxRetryWindowSeconds = inboxRetryWindowSeconds
            self.inboxPollIntervalMs = inboxPollIntervalMs
        }
    }
}

/// The `TENANT_RESOLVER` modes (reference §9.2).
public enum TenantResolver: String, Sendable, Hashable, CaseIterable {
    /// Always `DEFAULT_TENANT`.
    case env
    /// The first DNS label of the `Host` header.
    case host
    /// The `x-greentic-tenant` header.
    case header
    /// A claim of a verified JWT (``RunnerHostConfiguration/TenantToken``).
    case jwt
}
