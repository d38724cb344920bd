import Foundation
import Logging
import RunnerCore
import RunnerHost
import RunnerStorePostgres
import RunnerTestSupport
import Testing

@Suite("Store factory")
struct StoreFactoryTests {
    @Test func theSchemePicksTheStoreAndAnUnknownOneNamesTheKnownOnes() async throws {
        let factory = StoreFactory.builtIn
        let logger = Logger(label: "test")
        #expect(factory.schemes == ["memory", "postgres", "postgresql", "sqlite"])
        try await factory.withStore(try .init(url: "MEMORY://"), logger: logger) { store in
            #expect(store is InMemoryRunnerStore)
        }
        try await factory.withStore(try .init(url: try PostgresTestServer.freshURL()), logger: logger) { store in
            #expect(store is PostgresRunnerStore)
            let counts = try await store.queueCounts()
            #expect(counts.outbox.pending == 0, "the schema was migrated")
        }

        for url in ["mysql://db/runner", "redis://runner:hunter2@db:6379"] {
            let error = await #expect(throws: ConfigurationError.self) {
                try await factory.withStore(try .init(url: url), logger: logger) { _ in }
            }
            #expect(error?.message.contains("memory://, postgres://, postgresql://, sqlite://") == true, "\(String(describing: error))")
            #expect(error?.message.contains("hunter2") == false, "a password never reaches an error")
        }
        let badOption = await #expect(throws: ConfigurationError.self) {
            try await factory.withStore(try .init(url: "postgres://runner:hunter2@db/runner?sslmode=maybe"), logger: logger) { _ in }
        }
        #expect(badOption?.message.contains("sslmode=maybe") == true, "\(String(describing: badOption))")
        #expect(badOption?.message.contains("hunter2") == false)
        let empty = await #expect(throws: ConfigurationError.self) {
            try await factory.withStore(try .init(url: "sqlite://"), logger: logger) { _ in }
        }
        #expect(empty?.message.contains("needs a file path") == true)
    }

    @Test func urlsAreParsedAndPrintedWithoutTheirPassword() throws {
        let postgres = try RunnerHostConfiguration.Store(url: "postgresql://runner:hunter2@db:5432/runner?sslmode=require")
        #expect(postgres.scheme == "postgresql")
        #expect(postgres.location == "runner:hunter2@db:5432/runner?sslmode=require")
        #expect("\(postgres)" == "postgresql://***@db:5432/runner?sslmode=require")
        let awkward = try RunnerHostConfiguration.Store(url: "postgres://u:p@ss@db/runner?sslmode=disable&password=hunter2")
        #expect("\(awkward)" == "postgres://***@db/runner?sslmode=disable&password=***")
        #expect("\(try RunnerHostConfiguration.Store(url: "libsql://eyJtoken@db.example"))" == "libsql://***@db.example")
        #expect("\(RunnerHostConfiguration.Store.sqlite(path: "/var/lib/runner.sqlite"))" == "sqlite:///var/lib/runner.sqlite")
        #expect(try RunnerHostConfiguration.Store(url: "memory") == .memory)
        #expect(try RunnerHostConfiguration.Store(url: "sqlite:///var/lib/runner.sqlite").location == "/var/lib/runner.sqlite")
        for bad in ["runner.sqlite", "://x", "1db://x", ""] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try RunnerHostConfiguration.Store(url: bad) }
        }
    }

    @Test func anEmbeddingAppServesItsOwnStoreUnderItsOwnScheme() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [InboxRecoveryTests.echo]))
        let mine = InMemoryRunnerStore()
        let closed = Flag()
        let stores = StoreFactory.builtIn.with(scheme: "app") { url in
            #expect(url.location == "main")
            return .init(store: mine, close: { closed.set() })
        }
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)], store: try .init(url: "app://main"))
        let fake = FakeBotAPI()
        try await fake.run { baseURL in
            var configuration = configuration
            configuration.channels.telegramAPIBaseURL = baseURL
            try await withLiveHost(configuration, stores: stores) { client async throws in
                let answer = try await client.telegram(
                    Array(#"{"update_id":5,"message":{"text":"hi","chat":{"id":42},"from":{"id":7}}}"#.utf8)
                )
                #expect(answer.status == 200)
                #expect(try await eventually { fake.calls.count == 1 })
            }
        }
        #expect(closed.isSet, "the host closes what it opened")
        let recorded = await mine.claim(
            DedupeKey(tenant: "demo", namespace: "telegram", id: "5"),
            leaseUntil: Date().addingTimeInterval(60),
            now: Date()
        )
        guard case .completed = recorded else {
            Issue.record("the event was recorded in the app's store, got \(recorded)")
            return
        }
    }
}
