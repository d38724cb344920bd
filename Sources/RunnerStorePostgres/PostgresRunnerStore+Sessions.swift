public import Foundation
import Logging
import PostgresNIO
public import RunnerCore

extension PostgresRunnerStore {
    public func tenantCounts(now: Date) async throws(StoreError) -> [String: TenantCounts] {
        let nowMS = now.epochMilliseconds
        return try await withConnection("count tenants' sessions and replies", readOnly: true) { connection in
            var counts: [String: TenantCounts] = [:]
            let paused = try await connection.rows(
                "SELECT tenant, COUNT(*) FROM resume_record WHERE expires_at > \(nowMS) GROUP BY tenant",
                self.logger
            )
            for row in paused {
                let (tenant, count) = try row.decodeStored((String, Int64).self, table: "resume_record")
                counts[tenant, default: .init()].pausedSessions = Int(count)
            }
            for row in try await connection.rows("SELECT tenant, state, COUNT(*) FROM outbox GROUP BY tenant, state", self.logger) {
                let (tenant, state, count) = try row.decodeStored((String, String, Int64).self, table: "outbox")
                if state == "dead" {
                    counts[tenant, default: .init()].outboxDead += Int(count)
                } else {
                    counts[tenant, default: .init()].outboxPending += Int(count)
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
        let afterKey = after?.sessionKey ?? ""
        let afterFlow = after?.flowID ?? ""
        return try await withConnection("list paused sessions", readOnly: true) { connection in
            let rows = try await connection.rows(
                """
                SELECT session_key, flow_id, pack_digest, flow_hash, next_node, reason, snapshot, created_at, expires_at, revision
                FROM resume_record
                WHERE tenant = \(tenant) AND expires_at > \(nowMS)
                  AND (session_key COLLATE "C", flow_id COLLATE "C") > (\(afterKey), \(afterFlow))
                ORDER BY session_key COLLATE "C", flow_id COLLATE "C" LIMIT \(Int64(pageSize) + 1)
                """,
                self.logger
            )
            var records: [ResumeRecord] = []
            for row in rows.prefix(pageSize) {
                let (sessionKey, flowID, packDigest, flowHash, nextNode, reason, snapshot, createdAt, expiresAt, revision) =
                    try row.decodeStored(
                        (String, String, String, String, String, String?, String, Int64, Int64, Int64).self,
                        table: "resume_record"
                    )
                records.append(
                    Self.resumeRecord(
                        ResumeKey(tenant: tenant, sessionKey: sessionKey, flowID: flowID),
                        (packDigest, flowHash, nextNode, reason, snapshot, createdAt, expiresAt, revision)
                    )
                )
            }
            let next =
                rows.count > pageSize
                ? records.last.map { PausedSessionPage.Cursor(sessionKey: $0.key.sessionKey, flowID: $0.key.flowID) } : nil
            return PausedSessionPage(sessions: records, next: next)
        }
    }

    /// Empties and expires (at the epoch) the selected resume records, so their revisions keep
    /// counting; deletes the selected scopes' component state and advances their revisions, in
    /// one transaction.
    @discardableResult
    public func eraseSessions(tenant: String, _ selector: SessionSelector) async throws(StoreError) -> SessionErasure {
        let (exact, suffix): (String?, String?) =
            switch selector {
            case .key(let key): (key, nil)
            case .user(let user): (nil, ":" + user)
            }
        return try await transaction("erase sessions") { connection in
            var erasure = SessionErasure()
            erasure.resumeRecords = try await connection.count(
                """
                UPDATE resume_record SET snapshot = 'null', reason = NULL, expires_at = 0, revision = revision + 1
                WHERE tenant = \(tenant) AND expires_at > 0
                  AND (session_key = \(exact) OR (char_length(session_key) > char_length(\(suffix)) AND right(session_key, char_length(\(suffix))) = \(suffix)))
                RETURNING 1
                """,
                self.logger
            )
            try await connection.execute(
                """
                DELETE FROM component_state WHERE tenant = \(tenant)
                  AND (scope = \(exact) OR (char_length(scope) > char_length(\(suffix)) AND right(scope, char_length(\(suffix))) = \(suffix)))
                """,
                self.logger
            )
            erasure.stateScopes = try await connection.count(
                """
                UPDATE state_scope SET revision = revision + 1 WHERE tenant = \(tenant) AND scope <> ''
                  AND (scope = \(exact) OR (char_length(scope) > char_length(\(suffix)) AND right(scope, char_length(\(suffix))) = \(suffix)))
                RETURNING 1
                """,
                self.logger
            )
            return erasure
        }
    }
}
