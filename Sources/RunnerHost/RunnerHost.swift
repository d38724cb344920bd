internal import AsyncHTTPClient
public import Foundation
internal import Hummingbird
public import Logging
internal import NIOCore
internal import RunnerCore
internal import RunnerIngress
internal import RunnerPacks
internal import RunnerStoreSQLite
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
    public let customRoutes: [CustomIngressRoute]
    /// Where `SECRETS_BACKEND=env` secrets come from (`GREENTIC_SECRET_<TENANT>_<NAME>`): a
    /// snapshot taken at startup.
    public let environment: [String: String]
    public let logger: Logger
    /// Called once the server listens, with the bound port (useful with port 0).
    public let onServerRunning: @Sendable (Int) async -> Void

    public init(
        configuration: RunnerHostConfiguration,
        customRoutes: [CustomIngressRoute] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "greentic.runner"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.customRoutes = customRoutes
        self.environment = environment
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let bindings = try loadBindings()
        let telegramTenants = bindings.values.filter { $0.flowTypeBindings["messaging"]?.adapter == "telegram" }.map(\.tenant).sorted()
        if !telegramTenants.isEmpty, configuration.telegram.botToken == nil {
            logger.warning(
                "TELEGRAM_BOT_TOKEN is not set: Telegram replies cannot be delivered and will be dead-lettered",
                metadata: ["tenants": .string(telegramTenants.joined(separator: ","))]
            )
        }
        let (store, closeStore) = try await openStore()
        let wasm = WasmRuntime(configuration: .init(workerCount: configuration.wasm.workers))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await serve(bindings: bindings, store: store, wasm: wasm, httpClient: httpClient)
        } catch {
            wasm.shutdown()
            try? await httpClient.shutdown()
            try? await closeStore()
            throw error
        }
        wasm.shutdown()
        try await httpClient.shutdown()
        try await closeStore()
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

        let telegramClient = TelegramClient(
            http: httpClient,
            baseURL: configuration.telegram.apiBaseURL,
            token: configuration.telegram.botToken
        )
        let outbox = OutboxDispatcher(
            store: store,
            senders: [
                "telegram": TelegramReplySender(client: telegramClient) { tenant in bindings[tenant]?.rateLimits ?? .init() }
            ],
            configuration: configuration.delivery.outbox,
            logger: logger
        )
        let environment = self.environment
        let dispatcher = MessageDispatcher(
            dependencies: .init(
                store: store,
                wasm: wasm,
                tenants: tenants,
                restorer: PackVersionRestorer(loader: loader, builder: builder, tenants: tenants, logger: logger),
                sessions: configuration.sessions,
                wasmDefaults: configuration.wasm,
                secrets: EnvironmentSecrets(environment: environment),
                now: { Date() },
                deliverableProviders: outbox.providers,
                maxRepliesPerEvent: configuration.delivery.maxRepliesPerEvent,
                outboxNudge: { outbox.nudge() },
                logger: logger
            )
        )

        let router = Router(context: RunnerRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        HealthRoutes(status: status, tenants: tenants).register(on: router)
        AdminRoutes(status: status, tenants: tenants, requestReload: { reloader.requestReload() }, token: configuration.admin.token)
            .register(on: router)
        IngressRoutes(
            dispatcher: dispatcher,
            tenants: tenants,
            resolution: TenantResolution(mode: configuration.tenancy.resolver, defaultTenant: configuration.tenancy.defaultTenant),
            http: configuration.http,
            telegram: TelegramAdapter(webhookSecret: configuration.telegram.webhookSecret),
            custom: customRoutes
        ).register(on: router)

        let onServerRunning = self.onServerRunning
        let logger = self.logger
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "greentic-runner"),
            services: [reloader, outbox, StoreJanitor(store: store, logger: logger)],
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

    private func openStore() async throws -> (any RunnerStore, @Sendable () async throws -> Void) {
        switch configuration.store {
        case .memory:
            return (InMemoryRunnerStore(), {})
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw ConfigurationError("STORE_URL: cannot create \(directory.path): \(error.localizedDescription)")
            }
            let store = try await SQLiteRunnerStore(path: path)
            return (store, { try await store.close() })
        }
    }
}
