/// The PostgreSQL schema of ``PostgresRunnerStore``, as versioned migrations.
///
/// The tables and their meaning are those of the SQLite store (see `SQLiteSchema`), at its
/// latest version: times are epoch milliseconds (`BIGINT`), JSON is compact UTF-8 `TEXT`, byte
/// strings are `BYTEA`. Applied migrations are recorded in `greentic_migrations`.
///
/// Several nodes may start at once against an empty database: every node migrates in one
/// transaction that first takes a transaction-level advisory lock keyed by the schema name, so
/// one node creates the schema and the others then find it applied. DDL is transactional in
/// PostgreSQL, so a failed migration leaves nothing behind. A database holding a migration
/// this build does not know was written by a newer runner and is refused
/// (`StoreError.Code.schemaTooNew`). Migrations are append-only: never edit a released one.
///
/// ## v1
/// `resume_record`, `state_scope`, `component_state`, `dedupe`, `outbox` and `inbox`, with the
/// columns and indexes of SQLite's v6.
///
/// ## v2
/// `timer_schedule` (SQLite's v7): per (tenant, schedule id), the definition its cursor belongs
/// to (`spec`) and the last tick recorded (`last_tick`, epoch ms).
enum PostgresSchema {
    /// Every migration this build knows, in order.
    static let migrations: [(id: String, sql: [String])] = [
        ("v1", v1),
        ("v2", v2),
    ]

    /// The lock every node takes before migrating.
    static func lockStatement(schema: String) -> String {
        "SELECT pg_advisory_xact_lock(hashtext('greentic-runner migrations ' || '\(schema)'))"
    }

    private static let v1 = [
        """
        CREATE TABLE resume_record (
            tenant TEXT NOT NULL,
            session_key TEXT NOT NULL,
            flow_id TEXT NOT NULL,
            pack_digest TEXT NOT NULL,
            flow_hash TEXT NOT NULL,
            next_node TEXT NOT NULL,
            reason TEXT,
            snapshot TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            revision BIGINT NOT NULL,
            PRIMARY KEY (tenant, session_key, flow_id)
        )
        """,
        "CREATE INDEX resume_record_expires_at ON resume_record (expires_at)",
        """
        CREATE TABLE state_scope (
            tenant TEXT NOT NULL,
            pack TEXT NOT NULL,
            scope TEXT NOT NULL,
            revision BIGINT NOT NULL,
            touched_at BIGINT,
            PRIMARY KEY (tenant, pack, scope)
        )
        """,
        "CREATE INDEX state_scope_touched ON state_scope (touched_at)",
        """
        CREATE TABLE component_state (
            tenant TEXT NOT NULL,
            pack TEXT NOT NULL,
            scope TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('component', 'kv')),
            name TEXT NOT NULL,
            value BYTEA NOT NULL,
            PRIMARY KEY (tenant, pack, scope, kind, name)
        )
        """,
        """
        CREATE TABLE dedupe (
            tenant TEXT NOT NULL,
            namespace TEXT NOT NULL,
            id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('processing', 'done')),
            token TEXT,
            lease_until BIGINT,
            retain_until BIGINT,
            response_status BIGINT,
            response_headers TEXT,
            response_body BYTEA,
            PRIMARY KEY (tenant, namespace, id)
        )
        """,
        "CREATE INDEX dedupe_lease_until ON dedupe (lease_until)",
        "CREATE INDEX dedupe_retain_until ON dedupe (retain_until)",
        """
        CREATE TABLE outbox (
            id TEXT NOT NULL PRIMARY KEY,
            tenant TEXT NOT NULL,
            provider TEXT NOT NULL,
            conversation TEXT NOT NULL,
            address TEXT NOT NULL,
            message TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            sequence BIGINT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'sending', 'dead')),
            lease_token TEXT,
            lease_until BIGINT,
            last_error TEXT,
            retain_until BIGINT
        )
        """,
        "CREATE INDEX outbox_queue ON outbox (state, created_at, sequence, id)",
        "CREATE INDEX outbox_conversation ON outbox (tenant, provider, conversation, created_at, sequence, id)",
        "CREATE INDEX outbox_lease ON outbox (state, lease_until)",
        """
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
            received_at BIGINT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'failed')),
            lease_token TEXT,
            lease_until BIGINT,
            last_error TEXT,
            retain_until BIGINT
        )
        """,
        "CREATE INDEX inbox_queue ON inbox (state, received_at, id)",
        "CREATE INDEX inbox_session ON inbox (tenant, session_key, received_at, id)",
    ]

    private static let v2 = [
        """
        CREATE TABLE timer_schedule (
            tenant TEXT NOT NULL,
            schedule_id TEXT NOT NULL,
            spec TEXT NOT NULL,
            last_tick BIGINT NOT NULL,
            PRIMARY KEY (tenant, schedule_id)
        )
        """
    ]
}
