/// How the durable stores write JSON and headers as text, and read them back: one
/// implementation for every backend, so a value written by one reads the same from another.
public enum StoredText {
    /// Nesting allowed when reading stored JSON back. It is the runner's own data, which may
    /// nest deeper than the 64 levels allowed for untrusted input (a payload sits a few levels
    /// down inside an engine snapshot).
    public static let maxJSONDepth = 256

    /// Stored JSON text, parsed; `.corrupt` naming `column` when it is not valid JSON.
    public static func json(_ text: String, column: String) throws(StoreError) -> JSONValue {
        do {
            return try JSONValue(parsing: text, limits: .init(maxDepth: maxJSONDepth))
        } catch {
            throw StoreError(.corrupt, "\(column) is not valid JSON", cause: error)
        }
    }

    /// A response's headers as a JSON object of strings.
    public static func headers(_ headers: [String: String]) -> String {
        JSONValue.object(headers.mapValues { JSONValue.string($0) }).serializedString()
    }

    /// Headers written by ``headers(_:)``; `.corrupt` naming `column` when they are not a JSON
    /// object of strings.
    public static func headers(_ text: String, column: String) throws(StoreError) -> [String: String] {
        guard let members = try json(text, column: column).objectValue else {
            throw StoreError(.corrupt, "\(column) is not a JSON object")
        }
        var headers: [String: String] = [:]
        for (name, value) in members {
            guard let text = value.stringValue else { throw StoreError(.corrupt, "\(column)[\(name)] is not a string") }
            headers[name] = text
        }
        return headers
    }
}
