import Foundation
import Logging
import PostgresNIO
import RunnerCore
import RunnerTestSupport
import Testing

@testable import RunnerStorePostgres

@Suite("PostgresRunnerStore")
struct PostgresRunnerStoreTests {
    /// Errors only: the pool's expected connection failures (refused TLS, terminated backends)
    /// would otherwise print on stdout beside the test runner's own output. `PG_TEST_LOG_LEVEL`
    /// (`trace`, `debug`, ...) shows the pool's and the connections' own logs when debugging.
    static let logger: Logger = {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = ProcessInfo.processInfo.environment["PG_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        return logger
    }()

    @Test("conformance", arguments: RunnerStoreConformance.Check.allCases)
    func conformance(_ check: RunnerStoreConformance.Check) async throws {
        let configuration = try PostgresTestServer.freshConfiguration()
        try await RunnerStoreConformance { body in
            try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { store in try await body(store) }
        }.run(check)
    }

    /// Four nodes starting at once against an empty database: one schema, no error.
    @Test func concurrentMigrationsMakeOneSchema() async throws {
        let configuration = try PostgresTestServer.freshConfiguration(maximumConnections: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { store in
                        let pending = try await store.queueCounts().outbox.pending
                        #expect(pending == 0)
                    }
                }
            }
            try await group.waitForAll()
        }
        let applied = try await Self.appliedMigrations(configuration)
        #expect(applied == PostgresSchema.migrations.map(\.id))
    }

    @Test func databaseMigratedByANewerRunnerIsRefused() async throws {
        let configuration = try PostgresTestServer.freshConfiguration(maximumConnections: 2)
        try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { store in
            _ = try await store.withConnection("add a migration") { connection in
                try await connection.query("INSERT INTO greentic_migrations (id, applied_at) VALUES ('v999', 0)", logger: Self.logger)
            }
        }
        await #expect {
            try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { _ in }
        } throws: { error in
            (error as? StoreError)?.code == .schemaTooNew && "\(error)".contains("v999")
        }
    }

    /// What one node writes, another node (its own pool) reads; and of two nodes claiming one
    /// event at once, exactly one wins.
    @Test func twoNodesShareOneDatabase() async throws {
        let configuration = try PostgresTestServer.freshConfiguration(maximumConnections: 4)
        try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { nodeA in
            try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { nodeB in
                let key = ResumeKey(tenant: "acme", sessionKey: "telegram:chat:1", flowID: "support")
                let now = Date(epochMilliseconds: 1_700_000_000_000)
                let record = ResumeRecord(
                    key: key,
                    packDigest: "sha256:ab",
                    flowHash: "h",
                    nextNode: "ask",
                    reason: "wait",
                    snapshot: ["step": 1],
                    createdAt: now,
                    expiresAt: now.addingTimeInterval(60),
                    revision: 0
                )
                try await nodeA.commit(RunCommit(resume: .save(record, expectedRevision: nil)))
                #expect(try await nodeB.resumeRecord(for: key, now: now)?.nextNode == "ask")

                for round in 0..<10 {
                    let dedupe = DedupeKey(tenant: "acme", namespace: "telegram", id: "update-\(round)")
                    let claims = try await withThrowingTaskGroup(of: DedupeClaim.self) { group in
                        for index in 0..<10 {
                            let node = index.isMultiple(of: 2) ? nodeA : nodeB
                            group.addTask { try await node.claim(dedupe, leaseUntil: now.addingTimeInterval(30), now: now) }
                        }
                        return try await group.reduce(into: [DedupeClaim]()) { $0.append($1) }
                    }
                    let winners = claims.filter { if case .claimed = $0 { true } else { false } }
                    #expect(winners.count == 1, "round \(round): \(claims)")
                }
            }
        }
    }

    /// The server drops every connection of the pool (a restart, a failover, an idle timeout):
    /// the next reads and transactions run on new connections instead of failing.
    @Test func droppedConnectionsAreReplaced() async throws {
        var configuration = try PostgresTestServer.freshConfiguration(maximumConnections: 2)
        configuration.applicationName = "dropped-\(UUID().uuidString.prefix(8))"
        let name = configuration.applicationName
        try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { store in
            for round in 0..<5 {
                let key = DedupeKey(tenant: "t", namespace: "n", id: "\(round)")
                let now = Date(epochMilliseconds: 1_700_000_000_000)
                guard case .claimed(let token) = try await store.claim(key, leaseUntil: now.addingTimeInterval(60), now: now) else {
                    Issue.record("round \(round): not claimed")
                    continue
                }
                let killed = try await Self.terminateConnections(of: name)
                #expect(killed >= 1, "round \(round)")
                let response = StoredResponse(status: 200, headers: [:], body: [])
                try await store.commit(
                    RunCommit(dedupe: .init(key: key, token: token, response: response, retainUntil: now.addingTimeInterval(60)))
                )
                #expect(try await store.claim(key, leaseUntil: now.addingTimeInterval(60), now: now) == .completed(response))
                let pending = try await store.queueCounts().outbox.pending
                #expect(pending == 0)
            }
        }
    }

    /// Ends, from another connection, every server session whose `application_name` is `name`
    /// (what a server restart or an administrator does); returns how many.
    static func terminateConnections(of name: String) async throws -> Int {
        try await PostgresRunnerStore.withStore(
            configuration: try PostgresTestServer.freshConfiguration(maximumConnections: 1),
            logger: logger
        ) { admin in
            try await admin.withConnection("end another pool's connections") { connection in
                try await connection.count(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(name)",
                    logger
                )
            }
        }
    }

    /// A connection the server ended is refused before a statement is written to it: postgres-nio
    /// 1.33 never answers a statement written to a closed channel, and a pooled connection is
    /// such a channel between the server's goodbye and the pool hearing of it (this hung a
    /// request, uncancellably, about once in ten runs of `droppedConnectionsAreReplaced`).
    @Test func aStatementOnAClosedConnectionFailsAtOnce() async throws {
        var configuration = try PostgresTestServer.freshConfiguration(maximumConnections: 1)
        configuration.applicationName = "closed-\(UUID().uuidString.prefix(8))"
        let name = configuration.applicationName
        try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { store in
            try await store.client.withConnection { connection in
                #expect(try await connection.count("SELECT 1", Self.logger) == 1)
                let killed = try await Self.terminateConnections(of: name)
                #expect(killed == 1)
                try? await connection.closeFuture.get()
                await #expect(throws: PostgresConnectionClosed.self) { try await connection.rows("SELECT 1", Self.logger) }
                await #expect {
                    try await connection.inTransaction(Self.logger) { 1 }
                } throws: { error in
                    PostgresFailure(error).isConnectionLossBeforeCommit
                }
            }
        }
    }

    /// A database nobody answers on fails the operation with `.backend` once the statement
    /// timeout passed, instead of hanging the request.
    @Test func unreachableDatabaseFailsWithBackendError() async throws {
        var configuration = try PostgresStoreConfiguration(
            url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&statement_timeout=1&connect_timeout=1"
        )
        configuration.maximumConnections = 1
        let store = try PostgresRunnerStore(configuration: configuration, logger: Self.logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            await #expect {
                _ = try await store.claim(DedupeKey(tenant: "t", namespace: "n", id: "1"), leaseUntil: Date(), now: Date())
            } throws: { error in
                (error as? StoreError)?.code == .backend
            }
        }
    }

    /// `sslmode` does what it says against a server with TLS: `require` encrypts without checking
    /// the certificate, `verify-full` checks it against `sslrootcert` and refuses an unknown CA.
    @Test func tlsModesConnectAsDocumented() async throws {
        let plain = try PostgresTestServer.freshURL()
        let ca = try PostgresTestServer.certificateAuthorityFile()
        func encrypted(_ options: String) async throws -> Bool {
            var configuration = try PostgresStoreConfiguration(url: plain.replacingOccurrences(of: "sslmode=disable", with: options))
            configuration.maximumConnections = 1
            return try await PostgresRunnerStore.withStore(configuration: configuration, logger: Self.logger) { store in
                try await store.withConnection("read TLS state") { connection in
                    let rows = try await connection.rows("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", Self.logger)
                    return try rows.first?.decodeStored(Bool.self, table: "pg_stat_ssl") ?? false
                }
            }
        }
        #expect(try await encrypted("sslmode=disable") == false)
        #expect(try await encrypted("sslmode=require"))
        #expect(try await encrypted("sslmode=verify-full&sslrootcert=\(ca)"))
        #expect(try await encrypted("sslmode=verify-ca&sslrootcert=\(ca)"))
        await #expect {
            _ = try await encrypted("sslmode=verify-full&statement_timeout=2")
        } throws: { error in
            (error as? StoreError)?.code == .backend
        }
    }

    @Test func urlsAreReadWithTheirOptions() throws {
        let configuration = try PostgresStoreConfiguration(
            url:
                "postgresql://run%40ner:p%2Fss@db.example:6543/greentic?sslmode=verify-full&pool_max=25&pool_min=2&connect_timeout=3&statement_timeout=9&schema=runner_a&application_name=node-1"
        )
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "run@ner")
        #expect(configuration.password == "p/ss")
        #expect(configuration.database == "greentic")
        #expect(configuration.tlsMode == .verifyFull)
        #expect(configuration.maximumConnections == 25)
        #expect(configuration.minimumConnections == 2)
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.statementTimeout == .seconds(9))
        #expect(configuration.schema == "runner_a")
        #expect(configuration.applicationName == "node-1")

        let defaults = try PostgresStoreConfiguration(url: "postgres://app@localhost")
        #expect(defaults.port == 5432)
        #expect(defaults.database == "app")
        #expect(defaults.tlsMode == .prefer)
        #expect(defaults.schema == "public")
    }

    @Test(arguments: [
        ("mysql://a@b/c", "not a postgres://"),
        ("postgres://a@b/c?sslmode=maybe", "sslmode=maybe"),
        ("postgres://a@b/c?pool_max=0", "pool_max=0"),
        ("postgres://a@b/c?schema=Robert');DROP", "schema="),
        ("postgres://a@b/c?colour=blue", "unknown query field colour"),
        ("postgres://a@b/c?pool_min=5&pool_max=2", "pool_min"),
        ("postgres://b/c", "no user"),
        ("postgres://a:secret@b/c?pool_max=1&pool_max=2", "twice"),
    ])
    func badURLsAreRefusedClearly(url: String, mentioning: String) {
        #expect {
            _ = try PostgresStoreConfiguration(url: url)
        } throws: { error in
            let text = "\(error)"
            return text.contains(mentioning) && !text.contains("secret")
        }
    }

    static func appliedMigrations(_ configuration: PostgresStoreConfiguration) async throws -> [String] {
        try await PostgresRunnerStore.withStore(configuration: configuration, logger: logger) { store in
            try await store.withConnection("read migrations") { connection in
                var ids: [String] = []
                for try await id in try await connection.query("SELECT id FROM greentic_migrations ORDER BY id", logger: Self.logger)
                    .decode(String.self)
                {
                    ids.append(id)
                }
                return ids
            }
        }
    }
}
