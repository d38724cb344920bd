internal import RunnerCore

/// Validates a YGTC document (reference §5.1, plus the labelled-route extension) and builds a
/// ``FlowDefinition``.
struct YGTCLoader {
    let file: String

    private static let topLevelKeys: Set<String> = ["id", "title", "description", "type", "start", "parameters", "nodes"]

    private func fail(_ message: String, node: String? = nil, field: String? = nil) -> FlowError {
        FlowError(.invalidFlow, message, file: file, node: node, field: field)
    }

    func load(_ document: JSONValue) throws(FlowError) -> FlowDefinition {
        guard let root = document.objectValue else { throw fail("a flow must be a mapping") }
        if let unknown = root.keys.filter({ !Self.topLevelKeys.contains($0) }).sorted().first {
            throw fail("unknown top-level key '\(unknown)'", field: unknown)
        }
        guard let id = root["id"]?.stringValue, !id.isEmpty else {
            throw fail("'id' is required and must be a non-empty string", field: "id")
        }
        guard let typeName = root["type"]?.stringValue else {
            throw fail("'type' is required (messaging, webhook, timer, websocket or pubsub)", field: "type")
        }
        guard let type = FlowType(rawValue: typeName) else {
            throw fail("unknown flow type '\(typeName)' (expected messaging, webhook, timer, websocket or pubsub)", field: "type")
        }
        let title = try optionalString(root, "title")
        let description = try optionalString(root, "description")
        let parameters = root["parameters"] ?? .object([:])
        guard parameters.objectValue != nil else { throw fail("'parameters' must be a mapping", field: "parameters") }
        guard let rawNodes = root["nodes"]?.objectValue, !rawNodes.isEmpty else {
            throw fail("'nodes' is required and must map at least one node id to a node", field: "nodes")
        }
        var nodes: [String: FlowNode] = [:]
        for (nodeID, value) in rawNodes {
            nodes[nodeID] = try loadNode(id: nodeID, value)
        }
        for node in nodes.values {
            for route in node.routes {
                if case .node(let target) = route.target, nodes[target] == nil {
                    throw fail("route target '\(target)' is not a node of this flow", node: node.id, field: "routing")
                }
            }
        }
        let start: String
        if let explicit = try optionalString(root, "start") {
            guard nodes[explicit] != nil else { throw fail("start node '\(explicit)' is not a node of this flow", field: "start") }
            start = explicit
        } else if nodes["in"] != nil {
            start = "in"
        } else if let first = nodes.keys.sorted().first {
            start = first
        } else {
            throw fail("the flow has no nodes", field: "nodes")
        }
        return FlowDefinition(
            id: id,
            title: title,
            description: description,
            type: type,
            start: start,
            parameters: parameters,
            nodes: nodes
        )
    }

    private func optionalString(_ root: [String: JSONValue], _ key: String) throws(FlowError) -> String? {
        guard let value = root[key], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw fail("'\(key)' must be a string", field: key) }
        return string
    }

    private static func isNodeID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return id.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" }
    }

    private static func isComponentKey(_ key: String) -> Bool {
        let parts = key.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, let first = name.unicodeScalars.first, first.isASCIILetter else { return false }
        let nameOK = name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || "_.-".unicodeScalars.contains($0) }
        guard parts.count == 2 else { return nameOK }
        let version = parts[1]
        return nameOK && !version.isEmpty
            && version.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || ".+-".unicodeScalars.contains($0) }
    }

    private func loadNode(id: String, _ value: JSONValue) throws(FlowError) -> FlowNode {
        guard Self.isNodeID(id) else {
            throw fail("node ids must match ^[a-zA-Z_][a-zA-Z0-9_-]*$", node: id)
        }
        guard let members = value.objectValue else { throw fail("a node must be a mapping", node: id) }
        let componentKeys = members.keys.filter { $0 != "routing" }.sorted()
        guard componentKeys.count == 1, let component = componentKeys.first else {
            throw fail(
                "a node must have exactly one component key besides 'routing' (found \(componentKeys.isEmpty ? "none" : componentKeys.joined(separator: ", ")))",
                node: id
            )
        }
        guard Self.isComponentKey(component) else {
            throw fail(
                "'\(component)' is not a valid component key (letters, digits, '_', '.', '-', optional '@version')",
                node: id,
                field: component
            )
        }
        let config = members[component] ?? .null
        let routes = try loadRoutes(members["routing"], node: id)
        let behavior = try NodeBehaviorCompiler(file: file, node: id, component: component).compile(config)
        return FlowNode(id: id, component: component, config: config, routes: routes, behavior: behavior)
    }

    private func loadRoutes(_ value: JSONValue?, node: String) throws(FlowError) -> [FlowRoute] {
        guard let value, !value.isNull else { return [] }
        guard let entries = value.arrayValue else { throw fail("'routing' must be a list of routes", node: node, field: "routing") }
        var routes: [FlowRoute] = []
        for (offset, entry) in entries.enumerated() {
            let field = "routing[\(offset)]"
            guard let route = entry.objectValue else {
                throw fail("a route must be a mapping like {to: node} or {out: true}", node: node, field: field)
            }
            if let unknown = route.keys.filter({ !["to", "out", "on"].contains($0) }).sorted().first {
                throw fail("unknown route key '\(unknown)' (allowed: to, out, on)", node: node, field: field)
            }
            var target: FlowRoute.Target?
            if let out = route["out"], !out.isNull {
                guard let flag = out.boolValue else { throw fail("'out' must be true or false", node: node, field: field) }
                if flag { target = .out }
            }
            if target == nil, let to = route["to"], !to.isNull {
                guard let name = to.stringValue, !name.isEmpty else { throw fail("'to' must name a node", node: node, field: field) }
                target = name == "out" ? .out : .node(name)
            }
            var label: String?
            if let on = route["on"], !on.isNull {
                guard let text = on.stringValue, !text.isEmpty else {
                    throw fail("'on' must be a non-empty label", node: node, field: field)
                }
                label = text
            }
            routes.append(FlowRoute(target: target, label: label))
        }
        return routes
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
