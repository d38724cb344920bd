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
    /// Runs `query` and returns its rows.
    ///
    /// Every statement of the store goes through here. The query is handed to the connection on
    /// its event loop, and only while its channel is open: postgres-nio 1.33 writes a query with
    /// no write promise, so a query written to a channel that already closed is dropped and never
    /// answered, and nothing (not even cancellation) ends the wait. A pooled connection the
    /// server has just ended (a restart, `pg_terminate_backend`) is such a channel until the pool
    /// hears of it. On the event loop the check and the write cannot be split by the close.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await eventLoop.flatSubmit { [self] in
            guard !isClosed else { return eventLoop.makeFailedFuture(PostgresConnectionClosed()) }
            return self.query(query, logger: logger).map(\.rows)
        }.get()
    }

    /// Runs `query` and counts the rows it returns (a statement ending in `RETURNING 1` counts
    /// what it changed).
    func count(_ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        try await rows(query, logger).count
    }

    /// Runs `query` for its effect.
    func execute(_ query: PostgresQuery, _ logger: Logger) async throws {
        _ = try await rows(query, logger)
    }

    /// Runs `body` between `BEGIN` and `COMMIT`, rolled back when it throws. A failure says at
    /// which step it happened (see ``PostgresTransactionFailure``). A connection whose
    /// `ROLLBACK` failed is closed, so the pool never hands out a connection inside an aborted
    /// transaction.
    func inTransaction<T: Sendable>(_ logger: Logger, _ body: () async throws -> T) async throws -> T {
        do {
            try await execute("BEGIN", logger)
        } catch {
            throw PostgresTransactionFailure(step: .begin, underlying: error)
        }
        let result: T
        do {
            result = try await body()
        } catch {
            do {
                try await execute("ROLLBACK", logger)
            } catch {
                try? await close()
            }
            throw PostgresTransactionFailure(step: .body, underlying: error)
        }
        do {
            try await execute("COMMIT", logger)
        } catch {
            throw PostgresTransactionFailure(step: .commit, underlying: error)
        }
        return result
    }
}

/// A query was not sent because its connection had already closed (nothing was run).
struct PostgresConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection was closed before the statement was sent" }
}

/// A transaction failed at `step`; after a failed `.commit` its outcome is unknown.
struct PostgresTransactionFailure: Error, CustomStringConvertible {
    enum Step: Sendable {
        case begin
        case body
        case commit
    }

    let step: Step
    let underlying: any Error

    var description: String { "\(step): \(underlying)" }
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
        if let transaction = error as? PostgresTransactionFailure {
            underlying = transaction.underlying
            commitSent = transaction.step == .commit
        }
        self.error = underlying
        self.commitSent = commitSent
        sqlState = (underlying as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The connection broke (the server closed it, or it could not be used) before anything was
    /// committed: the server rolled back whatever the attempt did. `PostgresConnectionClosed` and
    /// `clientClosedConnection` are a connection the pool handed out just before it noticed the
    /// server had ended it; SQLSTATE
    /// 57P01/57P02 is the server's own notice that it ended the session (an administrator's
    /// `pg_terminate_backend`, a shutdown).
    var isConnectionLossBeforeCommit: Bool {
        guard !commitSent else { return false }
        if error is PostgresConnectionClosed { return true }
        guard let psql = error as? PSQLError else { return false }
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
