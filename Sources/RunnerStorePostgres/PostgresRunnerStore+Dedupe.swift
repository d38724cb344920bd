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
            try await connection.execute(
                """
                DELETE FROM dedupe
                WHERE tenant = \(key.tenant) AND namespace = \(key.namespace) AND id = \(key.id) AND state = 'processing' AND token = \(token.rawValue)
                """,
                self.logger
            )
        }
    }

    /// The live record of `key` at `now` (see ``RunnerStore/dedupeState(_:now:)``).
    public func dedupeState(_ key: DedupeKey, now: Date) async throws(StoreError) -> DedupeState? {
        try await withConnection("read dedupe key", readOnly: true) { connection in
            try await Self.dedupeState(key, now: now, connection, self.logger)
        }
    }

    static func dedupeState(_ key: DedupeKey, now: Date, _ connection: PostgresConnection, _ logger: Logger) async throws -> DedupeState? {
        let nowMS = now.epochMilliseconds
        let rows = try await connection.rows(
            """
            SELECT state, response_status, response_headers, response_body
            FROM dedupe WHERE tenant = \(key.tenant) AND namespace = \(key.namespace) AND id = \(key.id)
              AND ((state = 'processing' AND lease_until > \(nowMS)) OR (state = 'done' AND retain_until > \(nowMS)))
            """,
            logger
        )
        guard let row = rows.first else { return nil }
        let (state, status, headers, body) = try row.decodeStored((String, Int64?, String?, Data?).self, table: "dedupe")
        switch state {
        case "processing": return .inProgress
        case "done": return .completed(try Self.storedResponse(status: status, headers: headers, body: body))
        default: throw StoreError(.corrupt, "dedupe.state holds unknown state \(state)")
        }
    }

    /// Records the completion's answer inside the commit's transaction: turns the
    /// `processing` row its token holds into a `done` row (`.claimLost` when the token no
    /// longer holds it), or, unclaimed, writes the `done` row unless the key is live
    /// (`.duplicate`, see ``recordDone(_:response:retainUntil:now:_:_:)``).
    static func complete(_ completion: RunCommit.DedupeCompletion, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let key = completion.key
        let response = completion.response
        switch completion.hold {
        case .claimed(let token):
            let completed = try await connection.count(
                """
                UPDATE dedupe
                SET state = 'done', token = NULL, lease_until = NULL, retain_until = \(completion.retainUntil.epochMilliseconds),
                    response_status = \(Int64(response.status)), response_headers = \(StoredText.headers(response.headers)), response_body = \(Data(response.body))
                WHERE tenant = \(key.tenant) AND namespace = \(key.namespace) AND id = \(key.id) AND state = 'processing'
                  AND token = \(token.rawValue)
                RETURNING 1
                """,
                logger
            )
            guard completed == 1 else {
                throw StoreError(.claimLost, "dedupe claim on \(key.namespace)/\(key.id) is no longer held")
            }
        case .unclaimed(let now):
            guard try await recordDone(key, response: response, retainUntil: completion.retainUntil, now: now, connection, logger) else {
                throw StoreError(.duplicate, "dedupe key \(key.namespace)/\(key.id) is already taken")
            }
        }
    }

    /// Records `response` as the answer to `key` with one upsert that replaces only a row whose
    /// lease or retention ended at `now`; `false` when the key is live (a concurrent writer of
    /// the same key waits for the first transaction and then finds the key live).
    static func recordDone(
        _ key: DedupeKey,
        response: StoredResponse,
        retainUntil: Date,
        now: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Bool {
        let nowMS = now.epochMilliseconds
        let recorded = try await connection.count(
            """
            INSERT INTO dedupe (tenant, namespace, id, state, retain_until, response_status, response_headers, response_body)
            VALUES (\(key.tenant), \(key.namespace), \(key.id), 'done', \(retainUntil.epochMilliseconds),
                    \(Int64(response.status)), \(StoredText.headers(response.headers)), \(Data(response.body)))
            ON CONFLICT (tenant, namespace, id) DO UPDATE
            SET state = 'done', token = NULL, lease_until = NULL, retain_until = excluded.retain_until,
                response_status = excluded.response_status, response_headers = excluded.response_headers,
                response_body = excluded.response_body
            WHERE (dedupe.state = 'processing' AND dedupe.lease_until <= \(nowMS))
               OR (dedupe.state = 'done' AND dedupe.retain_until <= \(nowMS))
            RETURNING 1
            """,
            logger
        )
        return recorded == 1
    }

    private static func storedResponse(status: Int64?, headers: String?, body: Data?) throws(StoreError) -> StoredResponse {
        guard let status, let statusCode = Int(exactly: status), let headers else {
            throw StoreError(.corrupt, "a done dedupe row has no response")
        }
        let fields = try StoredText.headers(headers, column: "dedupe.response_headers")
        return StoredResponse(status: statusCode, headers: fields, body: body.map { [UInt8]($0) } ?? [])
    }
}
