import Foundation
import Logging
import PostgresNIO
import RunnerCore

extension PostgresRow {
    /// The row's columns as `types`, or `.corrupt` naming `table` when they do not decode.
    func decodeStored<each Column: PostgresDecodable>(
        _ types: (repeat each Column).Type,
        table: String
    ) throws(StoreError) -> (repeat each Column) {
        do {
            return try decode(types)
        } catch {
            throw StoreError(.corrupt, "\(table) holds a row with unexpected values (\(error))")
        }
    }
}

extension PostgresConnection {
    /// Runs `query` and counts the rows it returns (a statement ending in `RETURNING 1` counts
    /// what it changed).
    func count(_ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        var count = 0
        for try await _ in try await self.query(query, logger: logger) {
            count += 1
        }
        return count
    }

    /// Runs `query` and returns its rows.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}

/// What went wrong talking to PostgreSQL, reduced to what the store decides on.
struct PostgresFailure {
    let error: any Error
    /// The server's SQLSTATE, when the server reported the error.
    let sqlState: String?

    /// Whether a `COMMIT` was sent (its outcome is then unknown when the connection failed).
    let commitSent: Bool

    init(_ error: any Error) {
        var underlying = error
        var commitSent = false
        if let transaction = error as? PostgresTransactionError {
            underlying = transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error
            commitSent = transaction.closureError == nil && transaction.commitError != nil
        }
        self.error = underlying
        self.commitSent = commitSent
        sqlState = (underlying as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The connection broke (the server closed it, or it could not be used) before anything was
    /// committed: the server rolled back whatever the attempt did. `clientClosedConnection` is a
    /// connection the pool handed out just before it noticed the server had ended it; SQLSTATE
    /// 57P01/57P02 is the server's own notice that it ended the session (an administrator's
    /// `pg_terminate_backend`, a shutdown).
    var isConnectionLossBeforeCommit: Bool {
        guard !commitSent, let psql = error as? PSQLError else { return false }
        if let sqlState, ["57P01", "57P02"].contains(sqlState) { return true }
        return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(psql.code)
    }

    /// A serialization failure or a deadlock: the server rolled the transaction back, so running
    /// it again is safe.
    var isRetryable: Bool {
        sqlState == PostgresError.Code.serializationFailure.raw || sqlState == PostgresError.Code.deadlockDetected.raw
    }

    func storeError(_ operation: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        guard let psql = error as? PSQLError else {
            return StoreError(.backend, "PostgreSQL store: \(operation) failed: \(error)")
        }
        // PSQLError's description hides the server's message on purpose; the store's errors
        // name the operation, the SQLSTATE and the server's message (never bound values).
        var detail = "\(psql.code)"
        if let serverInfo = psql.serverInfo {
            detail = "\(serverInfo[.sqlState] ?? "?"): \(serverInfo[.message] ?? "")"
        }
        if sqlState == PostgresError.Code.uniqueViolation.raw {
            return StoreError(.backend, "PostgreSQL store: \(operation) failed: a row with this key exists (\(detail))")
        }
        return StoreError(.backend, "PostgreSQL store: \(operation) failed: \(detail)")
    }
}

extension PostgresCell {
    /// The cell as `type`, or `.corrupt` naming `column`.
    func decodeStored<Value: PostgresDecodable>(_ type: Value.Type, column: String) throws(StoreError) -> Value {
        do {
            return try decode(type)
        } catch {
            throw StoreError(.corrupt, "\(column) holds an unexpected value (\(error))")
        }
    }
}
