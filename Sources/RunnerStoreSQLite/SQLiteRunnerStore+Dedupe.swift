public import Foundation
import GRDB
public import RunnerCore

extension SQLiteRunnerStore {
    /// Claims `key` in one write transaction (see ``RunnerStore/claim(_:leaseUntil:now:)``).
    /// A `processing` row whose `lease_until <= now`, or a `done` row whose
    /// `retain_until <= now`, is taken over with a new token.
    public func claim(_ key: DedupeKey, leaseUntil: Date, now: Date) async throws(StoreError) -> DedupeClaim {
        let token = ClaimToken.random()
        let nowMS = now.epochMilliseconds
        let leaseMS = leaseUntil.epochMilliseconds
        return try await write("claim dedupe key") { db in
            let row = try Row.fetchOne(
                db,
                cached: """
                    SELECT state, lease_until, retain_until, response_status, response_headers, response_body
                    FROM dedupe WHERE tenant = ? AND namespace = ? AND id = ?
                    """,
                arguments: [key.tenant, key.namespace, key.id]
            )
            if let row {
                let state: String = try row.column("state", of: "dedupe")
                switch state {
                case "processing":
                    let lease: Int64 = try row.column("lease_until", of: "dedupe")
                    if nowMS < lease { return .inProgress }
                case "done":
                    let retain: Int64 = try row.column("retain_until", of: "dedupe")
                    if nowMS < retain { return .completed(try Self.storedResponse(row)) }
                default:
                    throw StoreError(.corrupt, "dedupe.state holds unknown state \(state)")
                }
            }
            try db.execute(
                cached: """
                    INSERT OR REPLACE INTO dedupe (tenant, namespace, id, state, token, lease_until)
                    VALUES (?, ?, ?, 'processing', ?, ?)
                    """,
                arguments: [key.tenant, key.namespace, key.id, token.rawValue, leaseMS]
            )
            return .claimed(token)
        }
    }

    /// Deletes the `processing` row of `key` when `token` still holds it.
    public func release(_ key: DedupeKey, token: ClaimToken) async throws(StoreError) {
        try await write("release dedupe claim") { db in
            try db.execute(
                cached: "DELETE FROM dedupe WHERE tenant = ? AND namespace = ? AND id = ? AND state = 'processing' AND token = ?",
                arguments: [key.tenant, key.namespace, key.id, token.rawValue]
            )
        }
    }

    /// Turns the `processing` row held by the completion's token into a `done` row, inside
    /// the commit's transaction; throws `.claimLost` when the token no longer holds it.
    static func complete(_ completion: RunCommit.DedupeCompletion, _ db: Database) throws {
        let key = completion.key
        let response = completion.response
        try db.execute(
            cached: """
                UPDATE dedupe
                SET state = 'done', token = NULL, lease_until = NULL, retain_until = ?,
                    response_status = ?, response_headers = ?, response_body = COALESCE(?, X'')
                WHERE tenant = ? AND namespace = ? AND id = ? AND state = 'processing' AND token = ?
                """,
            arguments: [
                completion.retainUntil.epochMilliseconds, response.status, StoredText.headers(response.headers),
                Data(response.body), key.tenant, key.namespace, key.id, completion.token.rawValue,
            ]
        )
        guard db.changesCount == 1 else {
            throw StoreError(.claimLost, "dedupe claim on \(key.namespace)/\(key.id) is no longer held")
        }
    }

    private static func storedResponse(_ row: Row) throws(StoreError) -> StoredResponse {
        let status: Int = try row.column("response_status", of: "dedupe")
        let headersText: String = try row.column("response_headers", of: "dedupe")
        let headers = try StoredText.headers(headersText, column: "dedupe.response_headers")
        return StoredResponse(status: status, headers: headers, body: try row.bytes("response_body", of: "dedupe"))
    }
}
