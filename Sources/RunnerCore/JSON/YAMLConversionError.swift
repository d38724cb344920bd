internal import Yams

/// Why a YAML document could not be turned into JSON.
public struct YAMLConversionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    /// 1-based line of the offending node, when known.
    public let line: Int?
    /// 1-based column of the offending node, when known.
    public let column: Int?

    public init(message: String, line: Int?, column: Int?) {
        self.message = message
        self.line = line
        self.column = column
    }

    init(message: String, node: Node) {
        self.init(message: message, line: node.mark.map { $0.line }, column: node.mark.map { $0.column })
    }

    public var description: String {
        if let line, let column { return "\(message) (line \(line), column \(column))" }
        return message
    }
}
