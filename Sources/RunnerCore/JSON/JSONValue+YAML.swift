internal import Foundation
internal import Yams

extension JSONValue {
    /// Limits applied while converting untrusted YAML (flows and bindings come from tenants).
    public struct YAMLLimits: Sendable, Hashable {
        /// Deepest allowed nesting of mappings and sequences.
        public var maxDepth: Int
        /// Most nodes a document may hold. (Anchors and aliases, the "billion laughs" vector, are
        /// refused before composing; see `YAMLDepthGuard`.)
        public var maxNodes: Int
        /// The furthest column at which a line's content may start (indentation plus leading
        /// `- ` indicators): it bounds block nesting before the recursive composer runs.
        public var maxContentColumn: Int

        public init(maxDepth: Int = 64, maxNodes: Int = 200_000, maxContentColumn: Int = 256) {
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
            self.maxContentColumn = maxContentColumn
        }
    }

    /// Parses the first YAML document of `text` into JSON, resolving YAML 1.1 core scalars the
    /// way YAML loaders do (`true`, `12`, `1.5`, `~`); quoted scalars stay strings. An empty
    /// document is `null`. Mapping keys must be scalars. Anchors and aliases are refused, and
    /// nesting is bounded before the composer runs (tenant files are untrusted).
    ///
    /// - Throws: ``YAMLConversionError`` with the line and column of the problem.
    public init(yaml text: String, limits: YAMLLimits = .init()) throws(YAMLConversionError) {
        do {
            try YAMLDepthGuard.check(text, maxFlowDepth: limits.maxDepth, maxContentColumn: limits.maxContentColumn)
        } catch {
            throw YAMLConversionError(message: error.message, line: error.line, column: nil)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw YAMLConversionError(message: "\(error)", line: nil, column: nil)
        }
        guard let root else {
            self = .null
            return
        }
        var budget = limits.maxNodes
        self = try Self.convert(root, depth: 0, limits: limits, budget: &budget)
    }

    private static func convert(
        _ node: Node,
        depth: Int,
        limits: YAMLLimits,
        budget: inout Int
    ) throws(YAMLConversionError) -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw YAMLConversionError(
                message: "document expands to more than \(limits.maxNodes) nodes",
                node: node
            )
        }
        guard depth <= limits.maxDepth else {
            throw YAMLConversionError(message: "document nests deeper than \(limits.maxDepth) levels", node: node)
        }
        switch node {
        case .scalar(let scalar):
            return convertScalar(node, scalar)
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            elements.reserveCapacity(sequence.count)
            for element in sequence {
                elements.append(try convert(element, depth: depth + 1, limits: limits, budget: &budget))
            }
            return .array(elements)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLConversionError(message: "mapping keys must be plain scalars", node: key)
                }
                members[keyScalar.string] = try convert(value, depth: depth + 1, limits: limits, budget: &budget)
            }
            return .object(members)
        case .alias:
            throw YAMLConversionError(message: "unresolved YAML alias", node: node)
        }
    }

    private static func convertScalar(_ node: Node, _ scalar: Node.Scalar) -> JSONValue {
        switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null:
            return .null
        case .bool:
            if let value = node.bool { return .bool(value) }
        case .int:
            if let value = Int64(scalar.string) { return .int(value) }
            if let value = node.int { return .int(Int64(value)) }
            if let value = node.float { return .double(value) }
        case .float:
            if let value = node.float, value.isFinite { return .double(value) }
        default:
            break
        }
        return .string(scalar.string)
    }
}
