import Foundation
import GRDB
import RunnerCore

extension Duration {
    /// The duration in seconds, as GRDB's busy timeout wants it.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Row {
    /// The value of `column`, or `.corrupt` when it is missing or of the wrong type.
    func column<Value: DatabaseValueConvertible>(
        _ column: String,
        of table: String,
        as type: Value.Type = Value.self
    ) throws(StoreError) -> Value {
        do {
            return try decode(Value.self, forColumn: column)
        } catch {
            throw StoreError(.corrupt, "\(table).\(column) holds an unexpected value", cause: error)
        }
    }

    /// A JSON `TEXT` column, parsed; `.corrupt` when it is not valid JSON.
    func json(_ column: String, of table: String) throws(StoreError) -> JSONValue {
        let text: String = try self.column(column, of: table)
        return try StoredText.json(text, column: "\(table).\(column)")
    }

    /// A BLOB column as bytes; `NULL` reads as no bytes (SQLite binds an empty blob as `NULL`
    /// when the pointer is null, so writes use `COALESCE(?, X'')` and reads tolerate both).
    func bytes(_ column: String, of table: String) throws(StoreError) -> [UInt8] {
        let data: Data? = try self.column(column, of: table)
        return data.map { [UInt8]($0) } ?? []
    }
}

// Statements the hot paths run on every event come from the connection's statement cache:
// compiling one (and GRDB's authorizer pass over it) costs more than running it.
extension Database {
    /// Runs `sql` as a statement compiled once per connection.
    func execute(cached sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

extension Row {
    /// The first row of `sql`, compiled once per connection.
    static func fetchOne(_ db: Database, cached sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// Every row of `sql`, compiled once per connection.
    static func fetchAll(_ db: Database, cached sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

extension DatabaseValueConvertible where Self: StatementColumnConvertible {
    /// The first value of `sql`, compiled once per connection.
    static func fetchOne(_ db: Database, cached sql: String, arguments: StatementArguments = StatementArguments()) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

/// Runs every one of `steps` (closing connections, stopping threads) whichever fails, then
/// throws the first failure: one failed close never leaves the others open.
func closeEach(_ steps: [() throws -> Void]) throws {
    var firstError: (any Error)?
    for step in steps {
        do { try step() } catch { firstError = firstError ?? error }
    }
    if let firstError { throw firstError }
}
