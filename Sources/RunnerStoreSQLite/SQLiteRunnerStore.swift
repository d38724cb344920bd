import Dispatch
public import Foundation
import GRDB
public import RunnerCore

/// A ``RunnerStore`` in one SQLite file, through GRDB: the embedded backend of a single node,
/// also safe for several stores (processes) sharing the file.
///
/// The file is opened as a GRDB `DatabasePool` in WAL mode, for its writer connection, plus
/// read-only connections of the store's own (``SQLiteReaders``): reads run concurrently on
/// those while writes are serialised on the writer, and every write is an `IMMEDIATE`
/// transaction that waits up to ``Configuration/busyTimeout`` for another connection's lock.
/// All SQLite work runs on the readers' threads or GRDB's writer queue (or, for opening and
/// closing, on a global dispatch queue), never on the Swift cooperative pool.
///
/// Semantics shared with ``InMemoryRunnerStore`` (and checked by `RunnerStoreConformance`):
/// times are stored as epoch milliseconds (sub-millisecond precision is rounded away); a resume
/// record is live while `now < expires_at`; the revision compare-and-swap compares revisions
/// only; an insert (`expectedRevision == nil`) judges expiry at the new record's `createdAt`,
/// because ``RunCommit`` carries no `now`, and continues an expired record's revision; a dedupe
/// completion requires the token to still hold the `processing` row; an outbox id already
/// queued fails the commit (`.backend`, a unique-key violation). See `SQLiteSchema` for the
/// tables.
public final class SQLiteRunnerStore: RunnerStore, Sendable {
    /// How the database file is opened.
    public struct Configuration: Sendable, Hashable {
        /// How long a statement waits for a lock held by another connection or process
        /// before failing with `StoreError.Code.backend`.
        public var busyTimeout: Duration
        /// The most read connections used at once.
        public var maximumReaderCount: Int
        /// How long the write-ahead log may grow (in 4 KiB pages) before the committing writer
        /// copies it back into the database itself (SQLite's automatic checkpoint, 1000 pages
        /// by default): a pause for every write waiting behind it. ``withStore(path:configuration:checkpointEvery:_:)``
        /// checkpoints in the background instead and raises this to a safety net.
        public var autoCheckpointPages: Int

        public init(busyTimeout: Duration = .seconds(5), maximumReaderCount: Int = 4, autoCheckpointPages: Int = 1000) {
            self.busyTimeout = busyTimeout
            self.maximumReaderCount = maximumReaderCount
            self.autoCheckpointPages = autoCheckpointPages
        }
    }

    /// The path of the database file.
    public let path: String
    let pool: DatabasePool
    /// Every write goes through it: concurrent writes share a transaction.
    let writes: SQLiteGroupCommit
    /// A connection of its own for background checkpoints (``checkpoint()``).
    let checkpointer: DatabaseQueue
    /// Every read goes through them.
    let readers: SQLiteReaders

    /// Opens (creating it when missing) the database file at `path` and brings its schema up
    /// to date.
    ///
    /// - Throws: `StoreError.Code.schemaTooNew` when the file was migrated by a newer build
    ///   (it holds a migration this build does not know), `.backend` when SQLite fails (not a
    ///   database, no permission, locked for longer than the busy timeout).
    public init(path: String, configuration: Configuration = .init()) async throws(StoreError) {
        self.path = path
        do {
            pool = try await Self.offCooperativePool {
                try Self.openAndMigrate(path: path, configuration: configuration)
            }
            writes = SQLiteGroupCommit(pool: pool)
            checkpointer = try await Self.offCooperativePool {
                var config = GRDB.Configuration()
                config.busyMode = .timeout(configuration.busyTimeout.timeInterval)
                config.label = "greentic-runner.store.checkpoint"
                return try DatabaseQueue(path: path, configuration: config)
            }
            readers = try await Self.offCooperativePool {
                try SQLiteReaders(path: path, count: configuration.maximumReaderCount, busyTimeout: configuration.busyTimeout)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.backend, "cannot open SQLite store at \(path)", cause: error)
        }
    }

    /// Closes the database connections. Every later call on this store fails with
    /// `StoreError.Code.backend`. Dropping the last reference closes them too.
    public func close() async throws(StoreError) {
        let pool = self.pool
        let checkpointer = self.checkpointer
        do {
            let readers = self.readers
            try await Self.offCooperativePool {
                try closeEach([readers.close, checkpointer.close, pool.close])
            }
        } catch {
            throw StoreError(.backend, "cannot close SQLite store at \(path)", cause: error)
        }
    }

    // MARK: - RunnerStore

    public func resumeRecord(for key: ResumeKey, now: Date) async throws(StoreError) -> ResumeRecord? {
        try await read("load resume record") { db in try Self.resumeRecord(key, now: now, db) }
    }

    public func stateSnapshot(for scope: StateScope) async throws(StoreError) -> StateSnapshot {
        try await read("load state snapshot") { db in try Self.stateSnapshot(scope, db) }
    }

    /// Every read in one read transaction: one trip to the database's threads per event.
    public func loadRun(_ key: ResumeKey, scope: StateScope, dedupe: DedupeKey?, now: Date) async throws(StoreError) -> RunLoad {
        try await read("load run") { db in
            RunLoad(
                resume: try Self.resumeRecord(key, now: now, db),
                state: try Self.stateSnapshot(scope, db),
                dedupe: try dedupe.flatMap { key in try Self.dedupeState(key, now: now, db) }
            )
        }
    }

    public func dedupeState(_ key: DedupeKey, now: Date) async throws(StoreError) -> DedupeState? {
        try await read("read dedupe key") { db in try Self.dedupeState(key, now: now, db) }
    }

    static func resumeRecord(_ key: ResumeKey, now: Date, _ db: Database) throws -> ResumeRecord? {
        let statement = try db.cachedStatement(
            sql: """
                SELECT pack_digest, flow_hash, next_node, reason, snapshot, created_at, expires_at, revision
                FROM resume_record
                WHERE tenant = ? AND session_key = ? AND flow_id = ? AND expires_at > ?
                """
        )
        let row = try Row.fetchOne(statement, arguments: [key.tenant, key.sessionKey, key.flowID, now.epochMilliseconds])
        guard let row else { return nil }
        return try resumeRecord(key: key, row: row)
    }

    static func stateSnapshot(_ scope: StateScope, _ db: Database) throws -> StateSnapshot {
        let statement = try db.cachedStatement(
            sql: "SELECT kind, name, value FROM component_state WHERE tenant = ? AND pack = ? AND scope = ?"
        )
        let rows = try Row.fetchAll(statement, arguments: [scope.tenant, scope.pack, scope.session])
        var snapshot = StateSnapshot(revision: try stateRevision(of: scope, db))
        for row in rows {
            let kindText: String = try row.column("kind", of: "component_state")
            let name: String = try row.column("name", of: "component_state")
            let value = try row.bytes("value", of: "component_state")
            switch StateKey.Kind(rawValue: kindText) {
            case .component: snapshot.components[name] = value
            case .keyValue: snapshot.keyValues[name] = value
            case nil: throw StoreError(.corrupt, "component_state.kind holds unknown kind \(kindText)")
            }
        }
        return snapshot
    }

    @discardableResult
    public func purgeExpired(now: Date, idleStateBefore: Date?) async throws(StoreError) -> Int {
        let nowMS = now.epochMilliseconds
        let idleMS = idleStateBefore?.epochMilliseconds
        return try await write("purge expired records") { db in
            try db.execute(sql: "DELETE FROM resume_record WHERE expires_at <= ?", arguments: [nowMS])
            var removed = db.changesCount
            if let idleMS {
                // Session scopes last written at or before `idleMS` whose session is not paused.
                let idle = """
                    SELECT tenant, pack, scope FROM state_scope s
                    WHERE s.scope <> '' AND s.touched_at <= ?
                      AND NOT EXISTS (SELECT 1 FROM resume_record r WHERE r.tenant = s.tenant AND r.session_key = s.scope)
                    """
                try db.execute(sql: "DELETE FROM component_state WHERE (tenant, pack, scope) IN (\(idle))", arguments: [idleMS])
                try db.execute(sql: "DELETE FROM state_scope WHERE (tenant, pack, scope) IN (\(idle))", arguments: [idleMS])
                removed += db.changesCount
            }
            try db.execute(
                sql: """
                    DELETE FROM dedupe
                    WHERE (state = 'processing' AND lease_until <= ?) OR (state = 'done' AND retain_until <= ?)
                    """,
                arguments: [nowMS, nowMS]
            )
            removed += db.changesCount
            try db.execute(sql: "DELETE FROM outbox WHERE state = 'dead' AND retain_until <= ?", arguments: [nowMS])
            removed += db.changesCount
            try db.execute(sql: "DELETE FROM inbox WHERE state = 'failed' AND retain_until <= ?", arguments: [nowMS])
            removed += db.changesCount
            return removed
        }
    }

    // MARK: - Checkpoints

    /// Opens the store at `path` for the duration of `body`, copying the write-ahead log back
    /// into the database every `interval` from a connection of its own (a passive checkpoint:
    /// it never blocks a reader or the writer), so commits do not pause for it; SQLite's own
    /// checkpoint stays as a safety net at 16,384 pages (64 MiB) unless `configuration` says
    /// otherwise. Closes the store when `body` ends.
    public static func withStore<Result: Sendable>(
        path: String,
        configuration: Configuration = .init(autoCheckpointPages: 16_384),
        checkpointEvery interval: Duration = .milliseconds(250),
        _ body: (SQLiteRunnerStore) async throws -> Result
    ) async throws -> Result {
        let store = try await SQLiteRunnerStore(path: path, configuration: configuration)
        let result: Result
        do {
            result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: interval)
                        // A failed checkpoint (a lock held elsewhere) is tried again next time.
                        _ = try? await store.checkpoint()
                    }
                }
                defer { group.cancelAll() }
                return try await body(store)
            }
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        return result
    }

    /// Copies what it can of the write-ahead log back into the database without waiting for
    /// (or blocking) readers and the writer; returns the log's frames and how many of them are
    /// now in the database.
    @discardableResult
    public func checkpoint() async throws(StoreError) -> (walFrames: Int, checkpointedFrames: Int) {
        let checkpointer = self.checkpointer
        do {
            let result = try await checkpointer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            return (result.walFrameCount, result.checkpointedFrameCount)
        } catch {
            throw StoreError(.backend, "SQLite store: checkpoint failed", cause: error)
        }
    }

    // MARK: - Access helpers

    /// Runs `body` in a read transaction on a reader thread (``readers``), wrapping every
    /// non-store error as `.backend`.
    func read<T: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await readers.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.backend, "SQLite store: \(operation) failed", cause: error)
        }
    }

    /// Runs `body` atomically in a write transaction (shared with concurrent writes, see
    /// ``SQLiteGroupCommit``), rolled back when it throws, and returns once it is durable; wraps
    /// every non-store error as `.backend`.
    func write<T: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await writes.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.backend, "SQLite store: \(operation) failed", cause: error)
        }
    }

    static func resumeRecord(key: ResumeKey, row: Row) throws(StoreError) -> ResumeRecord {
        let table = "resume_record"
        return ResumeRecord(
            key: key,
            packDigest: try row.column("pack_digest", of: table),
            flowHash: try row.column("flow_hash", of: table),
            nextNode: try row.column("next_node", of: table),
            reason: try row.column("reason", of: table),
            // An unreadable snapshot is returned as `null` with the record's real revision, so the
            // caller can replace it (compare-and-swap) instead of the session staying stuck.
            snapshot: (try? row.json("snapshot", of: table)) ?? .null,
            createdAt: Date(epochMilliseconds: try row.column("created_at", of: table)),
            expiresAt: Date(epochMilliseconds: try row.column("expires_at", of: table)),
            revision: try row.column("revision", of: table)
        )
    }

    // MARK: - Opening

    private static func openAndMigrate(path: String, configuration: Configuration) throws -> DatabasePool {
        var config = GRDB.Configuration()
        config.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        // Reads go through `SQLiteReaders`: the pool's own readers are never opened.
        config.maximumReaderCount = 1
        config.label = "greentic-runner.store"
        let autoCheckpointPages = max(0, configuration.autoCheckpointPages)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(autoCheckpointPages)") }
        let pool = try DatabasePool(path: path, configuration: config)
        let migrator = SQLiteSchema.migrator
        try pool.barrierWriteWithoutTransaction { db in
            let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
            guard unknown.isEmpty else {
                throw StoreError(
                    .schemaTooNew,
                    "\(path) was migrated by a newer runner (unknown migrations: \(unknown.sorted().joined(separator: ", ")))"
                )
            }
        }
        try migrator.migrate(pool)
        return pool
    }

    /// Runs blocking work (opening or closing SQLite connections) on a dispatch queue, so it
    /// never occupies a thread of the Swift cooperative pool.
    private static func offCooperativePool<T: Sendable>(
        _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result(catching: work))
            }
        }
    }
}
