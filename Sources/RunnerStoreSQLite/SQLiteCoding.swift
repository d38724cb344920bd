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
