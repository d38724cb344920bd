public import Foundation
import GRDB
public import RunnerCore

extension SQLiteRunnerStore {
    public func tenantCounts(now: Date) async throws(StoreError) -> [String: TenantCounts] {
        let nowMS = now.epochMilliseconds
        return try await read("count tenants' sessions and replies") { db in
            var counts: [String: TenantCounts] = [:]
            let paused = try Row.fetchAll(
                db,
                cached: "SELECT tenant, COUNT(*) AS n FROM resume_record WHERE expires_at > ? GROUP BY tenant",
                arguments: [nowMS]
            )
            for row in paused {
                counts[try row.column("tenant", of: "resume_record"), default: .init()].pausedSessions = try row.column(
                    "n",
                    of: "resume_record"
                )
            }
            for row in try Row.fetchAll(db, cached: "SELECT tenant, state, COUNT(*) AS n FROM outbox GROUP BY tenant, state") {
                let tenant: String = try row.column("tenant", of: "outbox")
                let state: String = try row.column("state", of: "outbox")
                let count: Int = try row.column("n", of: "outbox")
                if state == "dead" {
                    counts[tenant, default: .init()].outboxDead += count
                } else {
                    counts[tenant, default: .init()].outboxPending += count
                }
            }
            return counts
        }
    }

    public func pausedSessions(
        tenant: String,
        after: PausedSessionPage.Cursor?,
        limit: Int,
        now: Date
    ) async throws(StoreError)
        -> PausedSessionPage
    {
        let pageSize = max(0, limit)
        let nowMS = now.epochMilliseconds
        return try await read("list paused sessions") { db in
            let rows = try Row.fetchAll(
                db,
                cached: """
                    SELECT session_key, flow_id, pack_digest, flow_hash, next_node, reason, snapshot, created_at, expires_at, revision
                    FROM resume_record
                    WHERE tenant = ? AND expires_at > ? AND (session_key, flow_id) > (?, ?)
                    ORDER BY session_key, flow_id LIMIT ?
                    """,
                arguments: [tenant, nowMS, after?.sessionKey ?? "", after?.flowID ?? "", pageSize + 1]
            )
            var records: [ResumeRecord] = []
            for row in rows.prefix(pageSize) {
                let key = ResumeKey(
                    tenant: tenant,
                    sessionKey: try row.column("session_key", of: "resume_record"),
                    flowID: try row.column("flow_id", of: "resume_record")
                )
                records.append(try Self.resumeRecord(key: key, row: row))
            }
            let next =
                rows.count > pageSize
                ? records.last.map { PausedSessionPage.Cursor(sessionKey: $0.key.sessionKey, flowID: $0.key.flowID) } : nil
            return PausedSessionPage(sessions: records, next: next)
        }
    }

    /// Empties and expires (at the epoch) the selected resume records, so their revisions keep
    /// counting; deletes the selected scopes' component state and advances their revisions.
    @discardableResult
    public func eraseSessions(tenant: String, _ selector: SessionSelector) async throws(StoreError) -> SessionErasure {
        let (match, argument) = Self.sessionMatch(selector)
        return try await write("erase sessions") { db in
            var erasure = SessionErasure()
            try db.execute(
                sql: """
                    UPDATE resume_record SET snapshot = 'null', reason = NULL, expires_at = 0, revision = revision + 1
                    WHERE tenant = ? AND expires_at > 0 AND \(match("session_key"))
                    """,
                arguments: [tenant] + argument
            )
            erasure.resumeRecords = db.changesCount
            try db.execute(sql: "DELETE FROM component_state WHERE tenant = ? AND \(match("scope"))", arguments: [tenant] + argument)
            try db.execute(
                sql: "UPDATE state_scope SET revision = revision + 1 WHERE tenant = ? AND scope <> '' AND \(match("scope"))",
                arguments: [tenant] + argument
            )
            erasure.stateScopes = db.changesCount
            return erasure
        }
    }

    /// The condition selecting a session-key column, and its arguments.
    private static func sessionMatch(_ selector: SessionSelector) -> (@Sendable (String) -> String, StatementArguments) {
        switch selector {
        case .key(let key):
            return ({ column in "\(column) = ?" }, [key])
        case .user(let user):
            let suffix = ":" + user
            return ({ column in "length(\(column)) > length(?) AND substr(\(column), -length(?)) = ?" }, [suffix, suffix, suffix])
        }
    }
}
