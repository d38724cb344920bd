public import Foundation
public import Logging
import PostgresNIO
public import RunnerCore
public import ServiceLifecycle

/// A ``RunnerStore`` in PostgreSQL, through postgres-nio: the shared state of several runner
/// nodes (any number of nodes on one database act as one).
///
/// The store owns a `PostgresClient` (a connection pool), which runs while ``run()`` runs: run
/// the store as a `Service` or use ``withStore(configuration:logger:_:)``, which runs it, brings
/// the schema up to date and hands the store to its body.
///
/// Semantics are those of the SQLite store, checked by the same `RunnerStoreConformance`
/// suite, and hold between nodes: every read-then-write is one statement that locks what it
/// decides on (`INSERT … ON CONFLICT DO UPDATE … WHERE`, conditional `UPDATE … RETURNING`), or
/// runs under a transaction-level advisory lock keyed by the session (inbox acceptance), or
/// takes its rows with `FOR UPDATE SKIP LOCKED` (queue leases), so two nodes never both win.
///
/// Errors: a serialization failure or deadlock (the transaction was rolled back) is retried
/// up to three times; every other failure, and an operation that takes longer than
/// ``PostgresStoreConfiguration/statementTimeout`` (waiting for a connection included), is
/// ``StoreError/Code/backend`` (the HTTP layer answers 503 with `Retry-After`).
public final class PostgresRunnerStore: RunnerStore, Service, Sendable {
    public let configuration: PostgresStoreConfiguration
    let client: PostgresClient
    let logger: Logger

    /// Prepares the pool; connects nothing until ``run()`` runs.
    ///
    /// - Throws: `StoreError.Code.backend` when the TLS settings cannot be used.
    public init(configuration: PostgresStoreConfiguration, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        self.logger = logger
        do {
            client = PostgresClient(configuration: try configuration.clientConfiguration(), backgroundLogger: logger)
        } catch {
            throw StoreError(.backend, "PostgreSQL store: \(error)")
        }
    }

    /// Runs the connection pool until the task is cancelled. In a `ServiceGroup`, list the store
    /// before the services that use it, so it stops after them.
    public func run() async {
        await client.run()
    }

    /// Runs a store on `configuration` for the duration of `body`: the pool runs beside it,
    /// and the schema is migrated before `body` starts.
    ///
    /// - Throws: ``StoreError`` when the database cannot be reached or migrated (`schemaTooNew`
    ///   when a newer runner migrated it), or what `body` throws.
    public static func withStore<Result: Sendable>(
        configuration: PostgresStoreConfiguration,
        logger: Logger,
        _ body: (PostgresRunnerStore) async throws -> Result
    ) async throws -> Result {
        let store = try PostgresRunnerStore(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }

    /// Brings the schema up to date (see `PostgresSchema`), safe when several nodes do it at once.
    public func migrate() async throws(StoreError) {
        let schema = configuration.schema
        try await transaction("migrate schema") { connection in
            try await connection.execute(PostgresQuery(unsafeSQL: PostgresSchema.lockStatement(schema: schema)), self.logger)
            try await connection.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), self.logger)
            try await connection.execute(
                PostgresQuery(
                    unsafeSQL: "CREATE TABLE IF NOT EXISTS \(schema).greentic_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)"
                ),
                self.logger
            )
            var applied: Set<String> = []
            for row in try await connection.rows("SELECT id FROM greentic_migrations", self.logger) {
                applied.insert(try row.decodeStored(String.self, table: "greentic_migrations"))
            }
            let known = Set(PostgresSchema.migrations.map(\.id))
            let unknown = applied.subtracting(known)
            guard unknown.isEmpty else {
                throw StoreError(
                    .schemaTooNew,
                    "schema \(schema) was migrated by a newer runner (unknown migrations: \(unknown.sorted().joined(separator: ", ")))"
                )
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.id) {
                for statement in migration.sql {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement), self.logger)
                }
                let now = Date().epochMilliseconds
                try await connection.execute(
                    "INSERT INTO greentic_migrations (id, applied_at) VALUES (\(migration.id), \(now))",
                    self.logger
                )
                self.logger.info(
                    "migrated the PostgreSQL store",
                    metadata: ["schema": .string(schema), "migration": .string(migration.id)]
                )
            }
        }
    }

    // MARK: - RunnerStore (reads and purge)

    public func resumeRecord(for key: ResumeKey, now: Date) async throws(StoreError) -> ResumeRecord? {
        try await withConnection("load resume record", readOnly: true) { connection in
            try await Self.resumeRecord(key, now: now, connection, self.logger)
        }
    }

    public func stateSnapshot(for scope: StateScope) async throws(StoreError) -> StateSnapshot {
        try await withConnection("load state snapshot", readOnly: true) { connection in
            try await Self.stateSnapshot(scope, connection, self.logger)
        }
    }

    /// Every read on one connection.
    public func loadRun(_ key: ResumeKey, scope: StateScope, dedupe: DedupeKey?, now: Date) async throws(StoreError) -> RunLoad {
        try await withConnection("load run", readOnly: true) { connection in
            var load = RunLoad(
                resume: try await Self.resumeRecord(key, now: now, connection, self.logger),
                state: try await Self.stateSnapshot(scope, connection, self.logger)
            )
            if let dedupe { load.dedupe = try await Self.dedupeState(dedupe, now: now, connection, self.logger) }
            return load
        }
    }

    static func resumeRecord(_ key: ResumeKey, now: Date, _ connection: PostgresConnection, _ logger: Logger) async throws -> ResumeRecord?
    {
        let rows = try await connection.rows(
            """
            SELECT pack_digest, flow_hash, next_node, reason, snapshot, created_at, expires_at, revision
            FROM resume_record
            WHERE tenant = \(key.tenant) AND session_key = \(key.sessionKey) AND flow_id = \(key.flowID) AND expires_at > \(now.epochMilliseconds)
            """,
            logger
        )
        for row in rows {
            return resumeRecord(
                key,
                try row.decodeStored((String, String, String, String?, String, Int64, Int64, Int64).self, table: "resume_record")
            )
        }
        return nil
    }

    /// A resume record from its columns `pack_digest, flow_hash, next_node, reason, snapshot,
    /// created_at, expires_at, revision`.
    static func resumeRecord(
        _ key: ResumeKey,
        _ columns: (String, String, String, String?, String, Int64, Int64, Int64)
    ) -> ResumeRecord {
        let (packDigest, flowHash, nextNode, reason, snapshot, createdAt, expiresAt, revision) = columns
        return ResumeRecord(
            key: key,
            packDigest: packDigest,
            flowHash: flowHash,
            nextNode: nextNode,
            reason: reason,
            // An unreadable snapshot is returned as `null` with the record's real revision,
            // so the caller can replace it (compare-and-swap) instead of the session staying stuck.
            snapshot: (try? StoredText.json(snapshot, column: "resume_record.snapshot")) ?? .null,
            createdAt: Date(epochMilliseconds: createdAt),
            expiresAt: Date(epochMilliseconds: expiresAt),
            revision: revision
        )
    }

    /// The revision is read before the values: values read are never older than it, so a
    /// commit made between the two reads fails the caller's compare-and-swap instead of
    /// hiding.
    static func stateSnapshot(_ scope: StateScope, _ connection: PostgresConnection, _ logger: Logger) async throws -> StateSnapshot {
        var snapshot = StateSnapshot(revision: try await stateRevision(of: scope, connection, logger))
        let rows = try await connection.rows(
            "SELECT kind, name, value FROM component_state WHERE tenant = \(scope.tenant) AND pack = \(scope.pack) AND scope = \(scope.session)",
            logger
        )
        for row in rows {
            let (kind, name, value) = try row.decodeStored((String, String, Data).self, table: "component_state")
            switch StateKey.Kind(rawValue: kind) {
            case .component: snapshot.components[name] = [UInt8](value)
            case .keyValue: snapshot.keyValues[name] = [UInt8](value)
            case nil: throw StoreError(.corrupt, "component_state.kind holds unknown kind \(kind)")
            }
        }
        return snapshot
    }

    static func stateRevision(of scope: StateScope, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        let rows = try await connection.rows(
            "SELECT revision FROM state_scope WHERE tenant = \(scope.tenant) AND pack = \(scope.pack) AND scope = \(scope.session)",
            logger
        )
        for row in rows {
            return try row.decodeStored(Int64.self, table: "state_scope")
        }
        return 0
    }

    @discardableResult
    public func purgeExpired(now: Date, idleStateBefore: Date?) async throws(StoreError) -> Int {
        let nowMS = now.epochMilliseconds
        let idleMS = idleStateBefore?.epochMilliseconds
        return try await transaction("purge expired records") { connection in
            var removed = try await connection.count("DELETE FROM resume_record WHERE expires_at <= \(nowMS) RETURNING 1", self.logger)
            if let idleMS {
                // Session scopes last written at or before `idleMS` whose session is not paused.
                // Counts the scopes removed (with all their values).
                removed += try await connection.count(
                    """
                    WITH idle AS (
                        DELETE FROM state_scope s
                        WHERE s.scope <> '' AND s.touched_at <= \(idleMS)
                          AND NOT EXISTS (SELECT 1 FROM resume_record r WHERE r.tenant = s.tenant AND r.session_key = s.scope)
                        RETURNING s.tenant, s.pack, s.scope),
                    values_removed AS (
                        DELETE FROM component_state c USING idle
                        WHERE c.tenant = idle.tenant AND c.pack = idle.pack AND c.scope = idle.scope)
                    SELECT 1 FROM idle
                    """,
                    self.logger
                )
            }
            removed += try await connection.count(
                """
                DELETE FROM dedupe
                WHERE (state = 'processing' AND lease_until <= \(nowMS)) OR (state = 'done' AND retain_until <= \(nowMS))
                RETURNING 1
                """,
                self.logger
            )
            removed += try await connection.count(
                "DELETE FROM outbox WHERE state = 'dead' AND retain_until <= \(nowMS) RETURNING 1",
                self.logger
            )
            removed += try await connection.count(
                "DELETE FROM inbox WHERE state = 'failed' AND retain_until <= \(nowMS) RETURNING 1",
                self.logger
            )
            return removed
        }
    }

    // MARK: - Access helpers

    /// Runs `body` on one pooled connection, outside a transaction. A `readOnly` body is run again
    /// on another connection when its connection was lost (a write's outcome would be unknown).
    func withConnection<T: Sendable>(
        _ operation: String,
        readOnly: Bool = false,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        try await retrying(operation, afterConnectionLoss: readOnly) {
            try await self.client.withConnection { connection in try await body(connection) }
        }
    }

    /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
    /// It is run again when its connection was lost before the commit was sent (the server then
    /// rolled it back), never when the commit itself failed (its outcome is unknown).
    func transaction<T: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        try await retrying(operation, afterConnectionLoss: true) {
            try await self.client.withConnection { connection in
                try await connection.inTransaction(self.logger) { try await body(connection) }
            }
        }
    }

    /// Runs `attempt` within the statement timeout, again (at most three times) after a
    /// serialization failure or a deadlock, and after a lost connection when
    /// `afterConnectionLoss` (and nothing was committed), mapping every error to a ``StoreError``.
    private func retrying<T: Sendable>(
        _ operation: String,
        afterConnectionLoss: Bool,
        _ attempt: @escaping @Sendable () async throws -> T
    ) async throws(StoreError) -> T {
        var retries = 0
        while true {
            do {
                return try await withinTimeout(operation, attempt)
            } catch {
                let failure = PostgresFailure(error)
                if failure.isRetryable || (afterConnectionLoss && failure.isConnectionLossBeforeCommit), retries < 3 {
                    retries += 1
                    logger.debug(
                        "PostgreSQL store: retrying after a transient conflict",
                        metadata: ["operation": .string(operation), "sqlstate": .string(failure.sqlState ?? "")]
                    )
                    try? await Task.sleep(for: .milliseconds(5 * retries * retries))
                    continue
                }
                throw failure.storeError(operation)
            }
        }
    }

    private enum Raced<T: Sendable>: Sendable {
        case finished(T)
        case timedOut
    }

    /// `work`, or a `.backend` error once the statement timeout passed (a connection that could
    /// not be had in time; a running statement is ended by the server's `statement_timeout`).
    private func withinTimeout<T: Sendable>(_ operation: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = configuration.statementTimeout
        return try await withThrowingTaskGroup(of: Raced<T>.self) { group in
            group.addTask { .finished(try await work()) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else {
                throw StoreError(.backend, "PostgreSQL store: \(operation) ended without a result")
            }
            switch first {
            case .finished(let value): return value
            case .timedOut:
                throw StoreError(.backend, "PostgreSQL store: \(operation) took longer than \(timeout) (is the database reachable?)")
            }
        }
    }
}
