internal import AsyncHTTPClient
public import Foundation
internal import Hummingbird
internal import HummingbirdCore
public import Logging
internal import NIOCore
internal import RunnerChannels
internal import RunnerCore
internal import RunnerFlow
public import RunnerIngress
internal import RunnerPacks
internal import RunnerWasm
public import ServiceLifecycle

/// The greentic runner as a library: a `Service` serving every tenant of a pack index over
/// HTTP, which an application can run in its own `ServiceGroup`.
///
/// ```swift
/// let host = RunnerHost(configuration: try RunnerHostConfiguration(config: ConfigReader(provider: EnvironmentVariablesProvider())),
///                       logger: logger)
/// let group = ServiceGroup(services: [host], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// `run()` opens the store, loads the index (the server accepts requests once the first load
/// finished), serves HTTP, reloads packs and delivers queued replies until graceful shutdown,
/// then drains in-flight requests and closes everything it opened.
public struct RunnerHost: Service {
    public let configuration: RunnerHostConfiguration
    /// Channels of the embedding application, served and replied through like the built-in
    /// ones; one named like a built-in channel replaces it.
    public let channels: [any RunnerIngress.Channel]
    /// The variables `SECRETS_BACKEND=env` reads (`GREENTIC_SECRET_<TENANT>__<NAME>`) and that
    /// channel credentials fall back to (`<NAME>`): a snapshot taken at startup.
    public let environment: [String: String]
    /// The embedding application's secrets backend; `nil` uses `configuration.secrets.backend`.
    public let secretsProvider: (any SecretsProvider)?
    public let logger: Logger
    /// Called once the server listens, with the bound port (useful with port 0).
    public let onServerRunning: @Sendable (Int) async -> Void
    /// The wall clock every timestamp, lease, retry and signature window is read from (tests
    /// pass one they move themselves).
    public let now: @Sendable () -> Date
    /// Opens `configuration.store` by its scheme.
    public let stores: StoreFactory

    public init(
        configuration: RunnerHostConfiguration,
        channels: [any RunnerIngress.Channel] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        secretsProvider: (any SecretsProvider)? = nil,
        logger: Logger = Logger(label: "greentic.runner"),
        stores: StoreFactory = .builtIn,
        now: @escaping @Sendable () -> Date = { Date() },
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.channels = channels
        self.environment = environment
        self.secretsProvider = secretsProvider
        self.logger = logger
        self.now = now
        self.stores = stores
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let bindings = try loadBindings()
        try await stores.withStore(configuration.store, logger: logger) { store in
            let wasm = WasmRuntime(configuration: .init(workerCount: configuration.wasm.workers))
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.providerClientConfiguration)
            do {
                try await serve(bindings: bindings, store: store, wasm: wasm, httpClient: httpClient)
            } catch {
                wasm.shutdown()
                try? await httpClient.shutdown()
                throw error
            }
            wasm.shutdown()
            try await httpClient.shutdown()
        }
    }

    /// The client of the provider APIs: a refused connection fails at once (the outbox retries
    /// with its own backoff instead of the client retrying until the send's deadline), and
    /// redirects are not followed (a provider API does not redirect, and a redirect must never
    /// carry a bot token elsewhere).
    static var providerClientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        return configuration
    }

    /// The built-in channels, then the embedding application's.
    private func channelRegistry(httpClient: HTTPClient) -> ChannelRegistry {
        let client = ProviderHTTPClient(http: httpClient)
        let urls = configuration.channels
        let botFrameworkKeys = BotFrameworkKeys(client: client, metadataURL: urls.botFrameworkOpenIDMetadataURL, now: now)
        let botFrameworkTokens = BotFrameworkTokens(client: client, tokenURL: urls.botFrameworkTokenURL, now: now)
        let builtIn: [any RunnerIngress.Channel] = [
            WebhookChannel(),
            TelegramChannel(client: client, baseURL: urls.telegramAPIBaseURL),
            SlackChannel(client: client, baseURL: urls.slackAPIBaseURL),
            TeamsChannel(client: client, keys: botFrameworkKeys, tokens: botFrameworkTokens),
            WebChatChannel(client: client, keys: botFrameworkKeys, tokens: botFrameworkTokens),
            WebexChannel(client: client, baseURL: urls.webexAPIBaseURL),
            WhatsAppChannel(client: client, baseURL: urls.whatsAppAPIBaseURL),
        ]
        return ChannelRegistry(builtIn + channels)
    }

    /// The secrets backend: the embedding application's, else the configured one. With `env`,
    /// tenants and secret names that would share a variable are refused.
    private func secretsBackend(
        bindings: [String: TenantBindings],
        channels: ChannelRegistry,
        httpClient: HTTPClient
    ) throws -> any SecretsProvider {
        if let secretsProvider { return secretsProvider }
        switch configuration.secrets.backend {
        case .env:
            let names = Set(channels.all.flatMap(\.credentialNames))
            try EnvironmentSecrets.validate(Array(bindings.values), credentialNames: names)
            let secrets = EnvironmentSecrets(environment: environment)
            for tenant in bindings.values.sorted(by: { $0.tenant < $1.tenant }) {
                for name in tenant.allowedSecrets.union(names).sorted() {
                    guard let legacy = secrets.legacyVariable(tenant: tenant.tenant, name: name) else { continue }
                    logger.warning(
                        "a secret is set under its old variable name, which is no longer read",
                        metadata: [
                            "gt.tenant": .string(tenant.tenant), "variable": .string(legacy),
                            "rename_to": .string(EnvironmentSecrets.variableName(tenant: tenant.tenant, name: name)),
                        ]
                    )
                }
            }
            return secrets
        case .file(let path):
            return FileSecrets(path: path)
        case .aws(let aws):
            return AWSSecretsManager(configuration: aws, client: ProviderHTTPClient(http: httpClient), now: now)
        case .gcp(let gcp):
            try gcp.names.validate(Array(bindings.values), credentialNames: Set(channels.all.flatMap(\.credentialNames)))
            return GCPSecretManager(configuration: gcp, client: ProviderHTTPClient(http: httpClient), now: now)
        case .azure(let azure):
            try azure.names.validate(Array(bindings.values), credentialNames: Set(channels.all.flatMap(\.credentialNames)))
            return AzureKeyVault(configuration: azure, client: ProviderHTTPClient(http: httpClient), now: now)
        }
    }

    /// Where a tenant's credential can be set, for messages.
    private func credentialLocation(tenant: String, name: String) -> String {
        switch (secretsProvider, configuration.secrets.backend) {
        case (nil, .env): EnvironmentSecrets.variableName(tenant: tenant, name: name)
        case (nil, .file(let path)): "\(path) → \(tenant)/\(name)"
        case (nil, .aws(let aws)): "the AWS secret \(aws.prefix)\(tenant)/\(name)"
        case (nil, .gcp(let gcp)): "the GCP secret \(gcp.names.name(tenant: tenant, name: name))"
        case (nil, .azure(let azure)): "the Key Vault secret \(azure.names.name(tenant: tenant, name: name))"
        case (_?, _): "the tenant's secret \(name)"
        }
    }

    /// Warns, per tenant, about every credential missing for the channels its bindings name: such
    /// a channel refuses the tenant's requests (401) until it is configured.
    private func warnAboutMissingCredentials(bindings: [String: TenantBindings], channels: ChannelRegistry, secrets: TenantSecrets) async {
        if !(await secrets.isReady()) {
            logger.warning("the secrets backend cannot be reached: requests that need a tenant's credentials are answered 503 until it can")
        }
        for tenant in bindings.values.sorted(by: { $0.tenant < $1.tenant }) {
            for provider in tenant.messagingChannels {
                guard let channel = channels[provider] else {
                    logger.warning(
                        "the bindings name a channel this runner does not have",
                        metadata: ["gt.tenant": .string(tenant.tenant), "channel": .string(provider), "file": .string(tenant.file)]
                    )
                    continue
                }
                guard let credentials = try? await secrets.channelCredentials(tenant: tenant.tenant, names: channel.requiredCredentials)
                else {
                    continue
                }
                let missing = channel.requiredCredentials.filter { credentials.value($0) == nil }
                if !missing.isEmpty {
                    logger.warning(
                        "channel credentials are missing: its requests are refused and its replies dead-lettered until they are set",
                        metadata: [
                            "gt.tenant": .string(tenant.tenant), "channel": .string(provider),
                            "missing": .string(
                                missing.map { "\($0) (or \(credentialLocation(tenant: tenant.tenant, name: $0)))" }.joined(separator: ", ")
                            ),
                        ]
                    )
                }
            }
        }
    }

    private func serve(bindings: [String: TenantBindings], store: any RunnerStore, wasm: WasmRuntime, httpClient: HTTPClient) async throws {
        let tenants = ActiveTenants()
        let status = HostStatus()
        let packs = configuration.packs
        let indexKey: IndexVerificationKey?
        do {
            indexKey = try packs.publicKey.map { key throws(PackError) in try IndexVerificationKey(parsing: key) }
        } catch {
            throw ConfigurationError("PACK_PUBLIC_KEY: \(error.message)")
        }
        let policy = VerificationPolicy.select(verifyStrict: packs.verifyStrict, publicKey: packs.publicKey)
        let loader = PackLoader(
            cache: PackCache(root: URL(fileURLWithPath: packs.cacheDirectory), maxTotalBytes: packs.cacheMaxBytes),
            configuration: .init(policy: policy, indexKey: indexKey),
            logger: logger
        )
        let builder = TenantRuntimeBuilder(wasm: wasm, flowLimits: configuration.flowLimits)
        let reloader = PackReloader(
            indexLocation: packs.indexLocation,
            packSource: packs.defaultSource,
            bindings: bindings,
            loader: loader,
            builder: builder,
            tenants: tenants,
            status: status,
            refreshInterval: .milliseconds(packs.refreshIntervalMs),
            logger: logger
        )

        let channels = channelRegistry(httpClient: httpClient)
        let secrets = TenantSecrets(
            provider: try secretsBackend(bindings: bindings, channels: channels, httpClient: httpClient),
            environment: environment,
            configuration: configuration.secrets.cache,
            now: now
        )
        await warnAboutMissingCredentials(bindings: bindings, channels: channels, secrets: secrets)
        let credentials: ChannelCredentialLookup = { tenant, provider throws(SecretsError) in
            try await secrets.channelCredentials(tenant: tenant, names: channels[provider]?.credentialNames ?? [])
        }
        let delivery = configuration.delivery
        let now = self.now
        let outbox = OutboxDispatcher(
            store: store,
            channels: channels,
            credentials: credentials,
            limits: { tenant in
                let limits = (tenants.runtime(for: tenant)?.bindings ?? bindings[tenant])?.rateLimits ?? .init()
                return .init(tenant: limits.tenantLimit, conversation: limits.conversationLimit)
            },
            configuration: delivery.outbox,
            now: now,
            logger: logger
        )
        let queue = InboxQueue(capacity: delivery.inboxConcurrency)
        let deferredReleases = DeferredReleases()
        let inbox = InboxWorker.Configuration(
            pollIntervalMs: delivery.inboxPollIntervalMs,
            leaseMs: delivery.inboxLeaseMs ?? configuration.flowLimits.maxWallTimeMs + 60_000,
            maxAttempts: delivery.inboxMaxAttempts,
            retryWindowSeconds: delivery.inboxRetryWindowSeconds,
            concurrency: delivery.inboxConcurrency
        )
        let runner = ConversationRunner(
            dependencies: .init(
                store: store,
                wasm: wasm,
                tenants: tenants,
                restorer: PackVersionRestorer(loader: loader, builder: builder, tenants: tenants, logger: logger),
                planner: ReplyPlanner(channels: channels, maxRepliesPerEvent: delivery.maxRepliesPerEvent),
                sessions: configuration.sessions,
                wasmDefaults: configuration.wasm,
                secrets: secrets,
                logger: logger
            )
        )
        let processor = EventProcessor(
            dependencies: .init(
                store: store,
                runner: runner,
                gate: DedupeGate(sessions: configuration.sessions),
                tenants: tenants,
                channels: channels,
                credentials: credentials,
                queue: queue,
                deferredReleases: deferredReleases,
                inbox: inbox,
                sessions: configuration.sessions,
                maxPayloadBytes: configuration.flowLimits.maxPayloadBytes,
                replies: ReplyHandOff(outbox),
                now: now,
                logger: logger
            )
        )
        let worker = InboxWorker(
            queue: queue,
            deferredReleases: deferredReleases,
            processor: processor,
            store: store,
            configuration: inbox,
            isReady: { status.snapshot.lastReload != nil },
            now: now,
            logger: logger
        )

        let tenancy = configuration.tenancy
        var tokenVerifier: TenantTokenVerifier?
        if tenancy.resolver == .jwt {
            guard let settings = tenancy.token else {
                throw ConfigurationError("TENANT_RESOLVER=jwt needs TENANT_JWT_SECRET or TENANT_JWT_JWKS_URL")
            }
            tokenVerifier = await TenantTokenVerifier(settings: settings, client: ProviderHTTPClient(http: httpClient), now: now)
        }
        let resolution = TenantResolution(mode: tenancy.resolver, defaultTenant: tenancy.defaultTenant, token: tokenVerifier)
        let router = Router(context: RunnerRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        HealthRoutes(status: status, tenants: tenants, secrets: secrets).register(on: router)
        AdminRoutes(
            status: status,
            tenants: tenants,
            store: store,
            requestReload: { reloader.requestReload() },
            outboxNudge: { outbox.nudge() },
            token: configuration.admin.token,
            now: now
        ).register(on: router)
        ChannelRoutes(
            processor: processor,
            channels: channels,
            tenants: tenants,
            resolution: resolution,
            http: configuration.http,
            maxPayloadBytes: configuration.flowLimits.maxPayloadBytes,
            credentials: credentials,
            now: now
        ).register(on: router)

        let onServerRunning = self.onServerRunning
        let logger = self.logger
        let http = configuration.http
        var app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(http.idleTimeoutMs)))),
            configuration: .init(
                address: .hostname(http.host, port: http.port),
                serverName: "greentic-runner",
                availableConnectionsDelegate: MaximumAvailableConnections(http.maxConnections, logger: logger)
            ),
            services: [
                reloader, outbox, worker,
                TimerScheduler(
                    store: store,
                    tenants: tenants,
                    queue: queue,
                    leaseMs: inbox.leaseMs,
                    retainSeconds: configuration.sessions.dedupeRetainSeconds,
                    now: now,
                    logger: logger
                ),
                StoreJanitor(store: store, sessionStateSeconds: configuration.sessions.resumeTTLSeconds, now: now, logger: logger),
            ],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("greentic-runner listening", metadata: ["port": .stringConvertible(port)])
                await onServerRunning(port)
            },
            logger: logger
        )
        app.beforeServerStarts {
            guard let report = await reloader.waitForInitialLoad() else { return }
            if let indexError = report.indexError {
                throw ConfigurationError("cannot load the pack index: \(indexError)")
            }
            if tenants.count == 0 {
                logger.error(
                    "no tenant could be loaded; serving nothing until a reload succeeds",
                    metadata: ["errors": .string("\(report.errors)")]
                )
            }
            queue.nudge()
        }
        try await app.run()
    }

    private func loadBindings() throws(ConfigurationError) -> [String: TenantBindings] {
        var bindings: [String: TenantBindings] = [:]
        for file in configuration.bindingsFiles {
            let loaded = try TenantBindings(contentsOf: file)
            if let previous = bindings[loaded.tenant] {
                throw ConfigurationError("tenant \(loaded.tenant) is declared by both \(previous.file) and \(file)")
            }
            bindings[loaded.tenant] = loaded
        }
        return bindings
    }
}
