public import Foundation
import Logging
import PostgresNIO
public import RunnerCore

extension PostgresRunnerStore {
    /// Claims `key` with one upsert that takes over only a row whose lease or retention ended,
    /// so of many nodes claiming at once exactly one wins; the others read what holds the key.
    public func claim(_ key: DedupeKey, leaseUntil: Date, now: Date) async throws(StoreError) -> DedupeClaim {
        let token = ClaimToken.random()
        let nowMS = now.epochMilliseconds
        let leaseMS = leaseUntil.epochMilliseconds
        return try await withConnection("claim dedupe key") { connection in
            // A row removed between the upsert and the read (a purge) is claimed on the next turn.
            for _ in 0..<3 {
                let claimed = try await connection.count(
                    """
                    INSERT INTO dedupe (tenant, namespace, id, state, token, lease_until)
                    VALUES (\(key.tenant), \(key.namespace), \(key.id), 'processing', \(token.rawValue), \(leaseMS))
                    ON CONFLICT (tenant, namespace, id) DO UPDATE
                    SET state = 'processing', token = excluded.token, lease_until = excluded.lease_until, retain_until = NULL,
                        response_status = NULL, response_headers = NULL, response_body = NULL
                    WHERE (dedupe.state = 'processing' AND dedupe.lease_until <= \(nowMS))
                       OR (dedupe.state = 'done' AND dedupe.retain_until <= \(nowMS))
                    RETURNING 1
                    """,
                    self.logger
                )
                if claimed == 1 { return .claimed(token) }
                let rows = try await connection.rows(
                    """
                    SELECT state, response_status, response_headers, response_body
                    FROM dedupe WHERE tenant = \(key.tenant) AND namespace = \(key.namespace) AND id = \(key.id)
                    """,
                    self.logger
                )
                guard let row = rows.first else { continue }
                let (state, status, headers, body) = try row.decodeStored((String, Int64?, String?, Data?).self, table: "dedupe")
                switch state {
                case "processing": return .inProgress
                case "done": return .completed(try Self.storedResponse(status: status, headers: headers, body: body))
                default: throw StoreError(.corrupt, "dedupe.state holds unknown state \(state)")
                }
            }
            return .inProgress
        }
    }

    /// Deletes the `processing` row of `key` when `token` still holds it.
    public func release(_ key: DedupeKey, token: ClaimToken) async throws(StoreError) {
        try await withConnection("release dedupe claim") { connection in
            _ = try await connection.query(
                """
                DELETE FROM dedupe
                WHERE tenant = \(key.tenant) AND namespace = \(key.namespace) AND id = \(key.id) AND state = 'processing' AND token = \(token.rawValue)
                """,
                logger: self.logger
            )
        }
    }

    /// Turns the `processing` row held by the completion's token into a `done` row, inside the
    /// commit's transaction; throws `.claimLost` when the token no longer holds it.
    static func complete(_ completion: RunCommit.DedupeCompletion, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let key = completion.key
        let response = completion.response
        let completed = try await connection.count(
            """
            UPDATE dedupe
            SET state = 'done', token = NULL, lease_until = NULL, retain_until = \(completion.retainUntil.epochMilliseconds),
                response_status = \(Int64(response.status)), response_headers = \(StoredText.headers(response.headers)), response_body = \(Data(response.body))
            WHERE tenant = \(key.tenant) AND namespace = \(key.namespace) AND id = \(key.id) AND state = 'processing'
              AND token = \(completion.token.rawValue)
            RETURNING 1
            """,
            logger
        )
        guard completed == 1 else {
            throw StoreError(.claimLost, "dedupe claim on \(key.namespace)/\(key.id) is no longer held")
        }
    }

    private static func storedResponse(status: Int64?, headers: String?, body: Data?) throws(StoreError) -> StoredResponse {
        guard let status, let statusCode = Int(exactly: status), let headers else {
            throw StoreError(.corrupt, "a done dedupe row has no response")
        }
        let fields = try StoredText.headers(headers, column: "dedupe.response_headers")
        return StoredResponse(status: statusCode, headers: fields, body: body.map { [UInt8]($0) } ?? [])
    }
}
