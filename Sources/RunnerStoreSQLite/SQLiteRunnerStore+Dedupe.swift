public import Foundation
import GRDB
public import RunnerCore

extension SQLiteRunnerStore {
    /// Claims `key` in one write transaction (see ``RunnerStore/claim(_:leaseUntil:now:)``).
    /// A `processing` row whose `lease_until <= now`, or a `done` row whose
    /// `retain_until <= now`, is taken over with a new token.
    public func claim(_ key: DedupeKey, leaseUntil: Date, now: Date) async throws(StoreError) -> DedupeClaim {
        let token = ClaimToken.random()
        let leaseMS = leaseUntil.epochMilliseconds
        return try await write("claim dedupe key") { db in
            switch try Self.dedupeState(key, now: now, db) {
            case .inProgress: return .inProgress
            case .completed(let response): return .completed(response)
            case nil: break
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

    /// The live record of `key` at `now` (see ``RunnerStore/dedupeState(_:now:)``).
    static func dedupeState(_ key: DedupeKey, now: Date, _ db: Database) throws -> DedupeState? {
        let row = try Row.fetchOne(
            db,
            cached: """
                SELECT state, lease_until, retain_until, response_status, response_headers, response_body
                FROM dedupe WHERE tenant = ? AND namespace = ? AND id = ?
                """,
            arguments: [key.tenant, key.namespace, key.id]
        )
        guard let row else { return nil }
        let nowMS = now.epochMilliseconds
        let state: String = try row.column("state", of: "dedupe")
        switch state {
        case "processing":
            let lease: Int64 = try row.column("lease_until", of: "dedupe")
            return nowMS < lease ? .inProgress : nil
        case "done":
            let retain: Int64 = try row.column("retain_until", of: "dedupe")
            return nowMS < retain ? .completed(try Self.storedResponse(row)) : nil
        default:
            throw StoreError(.corrupt, "dedupe.state holds unknown state \(state)")
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

    /// Records the completion's answer inside the commit's transaction: turns the
    /// `processing` row its token holds into a `done` row (`.claimLost` when the token no
    /// longer holds it), or, unclaimed, writes the `done` row unless the key is live
    /// (`.duplicate`).
    static func complete(_ completion: RunCommit.DedupeCompletion, _ db: Database) throws {
        let key = completion.key
        let response = completion.response
        switch completion.hold {
        case .claimed(let token):
            try db.execute(
                cached: """
                    UPDATE dedupe
                    SET state = 'done', token = NULL, lease_until = NULL, retain_until = ?,
                        response_status = ?, response_headers = ?, response_body = COALESCE(?, X'')
                    WHERE tenant = ? AND namespace = ? AND id = ? AND state = 'processing' AND token = ?
                    """,
                arguments: [
                    completion.retainUntil.epochMilliseconds, response.status, StoredText.headers(response.headers),
                    Data(response.body), key.tenant, key.namespace, key.id, token.rawValue,
                ]
            )
            guard db.changesCount == 1 else {
                throw StoreError(.claimLost, "dedupe claim on \(key.namespace)/\(key.id) is no longer held")
            }
        case .unclaimed(let now):
            if try isLive(key, nowMS: now.epochMilliseconds, db) {
                throw StoreError(.duplicate, "dedupe key \(key.namespace)/\(key.id) is already taken")
            }
            try recordDone(key, response: response, retainUntil: completion.retainUntil, db)
        }
    }

    /// Whether `key` is live at `nowMS` (a claim whose lease lasts, or a retained answer).
    static func isLive(_ key: DedupeKey, nowMS: Int64, _ db: Database) throws -> Bool {
        let row = try Row.fetchOne(
            db,
            cached: "SELECT state, lease_until, retain_until FROM dedupe WHERE tenant = ? AND namespace = ? AND id = ?",
            arguments: [key.tenant, key.namespace, key.id]
        )
        guard let row else { return false }
        let state: String = try row.column("state", of: "dedupe")
        let until: Int64? = try row.column(state == "processing" ? "lease_until" : "retain_until", of: "dedupe")
        return nowMS < (until ?? .min)
    }

    /// Records `response` as the answer to `key`, replacing whatever row was there.
    static func recordDone(_ key: DedupeKey, response: StoredResponse, retainUntil: Date, _ db: Database) throws {
        try db.execute(
            cached: """
                INSERT OR REPLACE INTO dedupe
                    (tenant, namespace, id, state, token, lease_until, retain_until, response_status, response_headers, response_body)
                VALUES (?, ?, ?, 'done', NULL, NULL, ?, ?, ?, COALESCE(?, X''))
                """,
            arguments: [
                key.tenant, key.namespace, key.id, retainUntil.epochMilliseconds, response.status, StoredText.headers(response.headers),
                Data(response.body),
            ]
        )
    }

    private static func storedResponse(_ row: Row) throws(StoreError) -> StoredResponse {
        let status: Int = try row.column("response_status", of: "dedupe")
        let headersText: String = try row.column("response_headers", of: "dedupe")
        let headers = try StoredText.headers(headersText, column: "dedupe.response_headers")
        return StoredResponse(status: status, headers: headers, body: try row.bytes("response_body", of: "dedupe"))
    }
}
