import GRDB

/// The SQLite schema of ``SQLiteRunnerStore``, as versioned GRDB migrations.
///
/// GRDB records every applied migration id in its `grdb_migrations` table. A database that
/// holds an id this build does not know was written by a newer runner: opening it fails with
/// `StoreError.Code.schemaTooNew` rather than guessing. Migrations are append-only: never
/// edit a released one, add `v2`, `v3`… instead.
///
/// Conventions: times are epoch milliseconds (`INTEGER`); JSON is compact UTF-8 `TEXT`
/// written by `JSONValue.serializedString()`; byte strings are `BLOB` (an empty byte string
/// is stored as `X''`, never `NULL`). Tables are `WITHOUT ROWID`, clustered on their key.
///
/// ## v1
///
/// `resume_record` — one paused conversation per (tenant, session key, flow):
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | tenant, session_key, flow_id | TEXT | primary key (`ResumeKey`) |
/// | pack_digest, flow_hash, next_node | TEXT | where and on which pack version to continue |
/// | reason | TEXT NULL | why the run paused |
/// | snapshot | TEXT | the engine's state, JSON |
/// | created_at, expires_at | INTEGER | epoch ms; live while `now < expires_at` |
/// | revision | INTEGER | compare-and-swap counter, 1 on first save |
///
/// `component_state` — component state bytes and host key-value entries:
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | tenant, pack, scope, kind, name | TEXT | primary key; `scope` is the session key or `''`; `kind` is `component` or `kv` |
/// | value | BLOB | the bytes |
///
/// `dedupe` — provider event ids and idempotency keys:
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | tenant, namespace, id | TEXT | primary key (`DedupeKey`) |
/// | state | TEXT | `processing` (claimed) or `done` (response recorded) |
/// | token | TEXT NULL | the claim token while `processing` |
/// | lease_until | INTEGER NULL | epoch ms; the claim is over when `lease_until <= now` |
/// | retain_until | INTEGER NULL | epoch ms; the `done` record is over when `retain_until <= now` |
/// | response_status | INTEGER NULL | replayed HTTP status |
/// | response_headers | TEXT NULL | replayed headers, a JSON object of strings |
/// | response_body | BLOB NULL | replayed body |
///
/// `outbox` — replies waiting for delivery, queued by the commit of the run that made them:
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | id | TEXT | primary key, the message's delivery idempotency handle |
/// | tenant, provider | TEXT | whose reply, through which provider's API |
/// | address, message | TEXT | JSON |
/// | created_at | INTEGER | epoch ms; with `sequence` then `id`, the delivery order |
/// | sequence | INTEGER | order among the messages of one run |
/// | attempts | INTEGER | delivery attempts so far |
/// | next_attempt_at | INTEGER | epoch ms; due when `next_attempt_at <= now` (a lease moves it) |
/// | state | TEXT | `pending` or `dead` (a dead letter, kept for inspection, never leased) |
/// | last_error | TEXT NULL | why the last attempt failed |
///
/// ## v2
///
/// `state_scope` — the compare-and-swap revision of each state scope:
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | tenant, pack, scope | TEXT | primary key (`StateScope`) |
/// | revision | INTEGER | incremented by every commit that reads-and-writes or writes the scope; absent means 0 |
///
/// ## v3
///
/// `outbox` is rebuilt for fenced leases and per-conversation order (v1 rows are kept; their
/// conversation is their address):
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | id | TEXT | primary key, the message's delivery idempotency handle |
/// | tenant, provider | TEXT | whose reply, through which provider's API |
/// | conversation | TEXT | ordering key: a conversation's messages go out one at a time, in order |
/// | address, message | TEXT | JSON |
/// | created_at, sequence | INTEGER | with `id`, the delivery order |
/// | attempts | INTEGER | sends started so far |
/// | next_attempt_at | INTEGER | epoch ms; a `pending` row is due when `next_attempt_at <= now` |
/// | state | TEXT | `pending`, `leased` (reserved, not yet sent), `sending` (a send started) or `dead` |
/// | lease_token, lease_until | TEXT, INTEGER NULL | the current lease; every lease has a new token |
/// | last_error | TEXT NULL | why the last attempt failed |
/// | retain_until | INTEGER NULL | epoch ms; a dead letter is purged when `retain_until <= now` |
///
/// `inbox` — events acknowledged to their provider and waiting to run:
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | id | TEXT | primary key |
/// | tenant, provider, session_key, flow_id | TEXT | whose event, and what it runs; a session's events run in order |
/// | input | TEXT | the flow's input, JSON |
/// | reply_provider, reply_conversation, reply_address | TEXT NULL | where replies go (`ReplyTarget`), all `NULL` when nowhere |
/// | received_at | INTEGER | epoch ms; with `id`, the run order |
/// | attempts | INTEGER | leases so far |
/// | next_attempt_at | INTEGER | epoch ms; a `pending` row is due when `next_attempt_at <= now` |
/// | state | TEXT | `pending`, `leased` or `failed` (kept for inspection) |
/// | lease_token, lease_until | TEXT, INTEGER NULL | the current lease |
/// | last_error | TEXT NULL | why the last attempt failed |
/// | retain_until | INTEGER NULL | epoch ms; a failed event is purged when `retain_until <= now` |
///
/// ## v4
///
/// The queues are indexed in delivery order (`inbox_queue`: state, received_at, id;
/// `outbox_queue`: state, created_at, sequence, id) instead of by due time, so leasing walks the
/// oldest pending rows and stops after the batch, rather than sorting every due row of a
/// backlog on every lease.
///
/// ## v5
///
/// Dead letters carried over from v1/v2 (which had no retention) get one: seven days (the
/// default `OUTBOX_DEAD_TTL`) from the upgrade, so they are purged like newer ones.
///
/// ## v6
///
/// `state_scope.touched_at` (INTEGER NULL, epoch ms): when a commit last touched the scope
/// (`RunCommit.committedAt`); session state idle since the session TTL is purged by it. Every
/// scope that has component state gets a row; existing ones are stamped with the upgrade time.
///
/// ## v7
///
/// `timer_schedule` — where each timer schedule stands:
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | tenant, schedule_id | TEXT | primary key |
/// | spec | TEXT | the schedule's definition (cron expression and time zone) the cursor belongs to |
/// | last_tick | INTEGER | epoch ms of the last tick recorded; a tick is accepted only after it |
enum SQLiteSchema {
    /// Every migration this build knows, in order.
    static var migrator: DatabaseMigrator { migrator(through: nil) }

    /// The migrations up to and including `last` (all when `nil`): tests build old databases
    /// with it to check upgrades.
    static func migrator(through last: String?) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        let all: [(String, @Sendable (Database) throws -> Void)] = [
            ("v1", v1), ("v2", v2), ("v3", v3), ("v4", v4), ("v5", v5), ("v6", v6), ("v7", v7),
        ]
        for (identifier, migration) in all {
            migrator.registerMigration(identifier, migrate: migration)
            if identifier == last { break }
        }
        return migrator
    }

    private static func v7(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE timer_schedule (
                    tenant TEXT NOT NULL,
                    schedule_id TEXT NOT NULL,
                    spec TEXT NOT NULL,
                    last_tick INTEGER NOT NULL,
                    PRIMARY KEY (tenant, schedule_id)
                ) WITHOUT ROWID
                """
        )
    }

    private static func v6(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE state_scope ADD COLUMN touched_at INTEGER;
                INSERT INTO state_scope (tenant, pack, scope, revision)
                    SELECT DISTINCT tenant, pack, scope, 0 FROM component_state c
                    WHERE NOT EXISTS (SELECT 1 FROM state_scope s WHERE s.tenant = c.tenant AND s.pack = c.pack AND s.scope = c.scope);
                UPDATE state_scope SET touched_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
                CREATE INDEX state_scope_touched ON state_scope (touched_at);
                """
        )
    }

    private static func v5(_ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET retain_until = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 7 * 86400000
                WHERE state = 'dead' AND retain_until IS NULL
                """
        )
    }

    private static func v4(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX inbox_due;
                CREATE INDEX inbox_queue ON inbox (state, received_at, id);
                DROP INDEX outbox_due;
                CREATE INDEX outbox_queue ON outbox (state, created_at, sequence, id);
                """
        )
    }

    private static func v3(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbox_v3 (
                    id TEXT NOT NULL PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    conversation TEXT NOT NULL,
                    address TEXT NOT NULL,
                    message TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    sequence INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'sending', 'dead')),
                    lease_token TEXT,
                    lease_until INTEGER,
                    last_error TEXT,
                    retain_until INTEGER
                ) WITHOUT ROWID;
                INSERT INTO outbox_v3
                    (id, tenant, provider, conversation, address, message, created_at, sequence, attempts,
                     next_attempt_at, state, last_error)
                SELECT id, tenant, provider, address, address, message, created_at, sequence, attempts,
                       next_attempt_at, state, last_error
                FROM outbox;
                DROP TABLE outbox;
                ALTER TABLE outbox_v3 RENAME TO outbox;
                CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
                CREATE INDEX outbox_conversation ON outbox (tenant, provider, conversation, created_at, sequence, id);
                CREATE INDEX outbox_lease ON outbox (state, lease_until);

                CREATE TABLE inbox (
                    id TEXT NOT NULL PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    session_key TEXT NOT NULL,
                    flow_id TEXT NOT NULL,
                    input TEXT NOT NULL,
                    reply_provider TEXT,
                    reply_conversation TEXT,
                    reply_address TEXT,
                    received_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'failed')),
                    lease_token TEXT,
                    lease_until INTEGER,
                    last_error TEXT,
                    retain_until INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX inbox_due ON inbox (state, next_attempt_at);
                CREATE INDEX inbox_session ON inbox (tenant, session_key, received_at, id);
                """
        )
    }

    private static func v2(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE state_scope (
                    tenant TEXT NOT NULL,
                    pack TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    PRIMARY KEY (tenant, pack, scope)
                ) WITHOUT ROWID
                """
        )
    }

    private static func v1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE resume_record (
                    tenant TEXT NOT NULL,
                    session_key TEXT NOT NULL,
                    flow_id TEXT NOT NULL,
                    pack_digest TEXT NOT NULL,
                    flow_hash TEXT NOT NULL,
                    next_node TEXT NOT NULL,
                    reason TEXT,
                    snapshot TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    revision INTEGER NOT NULL,
                    PRIMARY KEY (tenant, session_key, flow_id)
                ) WITHOUT ROWID;
                CREATE INDEX resume_record_expires_at ON resume_record (expires_at);

                CREATE TABLE component_state (
                    tenant TEXT NOT NULL,
                    pack TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('component', 'kv')),
                    name TEXT NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY (tenant, pack, scope, kind, name)
                ) WITHOUT ROWID;

                CREATE TABLE dedupe (
                    tenant TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    id TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('processing', 'done')),
                    token TEXT,
                    lease_until INTEGER,
                    retain_until INTEGER,
                    response_status INTEGER,
                    response_headers TEXT,
                    response_body BLOB,
                    PRIMARY KEY (tenant, namespace, id)
                ) WITHOUT ROWID;
                CREATE INDEX dedupe_lease_until ON dedupe (lease_until);
                CREATE INDEX dedupe_retain_until ON dedupe (retain_until);

                CREATE TABLE outbox (
                    id TEXT NOT NULL PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    address TEXT NOT NULL,
                    message TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    sequence INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'dead')),
                    last_error TEXT
                ) WITHOUT ROWID;
                CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
                """
        )
    }
}
