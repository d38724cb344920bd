internal import RunnerCore

/// The few facts the pack builder needs from a YGTC flow document: id, type and entry node,
/// plus its canonical JSON. Full validation is the flow engine's job.
struct FlowSummary {
    /// The flow id (`id`).
    let id: String
    /// The flow type (`type`), recorded as the manifest `kind`.
    let kind: String
    /// `start`, else `in` when a node of that name exists, else the first node id in sorted order.
    let entry: String
    /// The YAML text with CRLF line endings turned into LF.
    let normalizedYAML: String
    /// The document as compact JSON with sorted keys.
    let canonicalJSON: [UInt8]

    /// Reads `yaml`; `source` names it in errors.
    ///
    /// - Throws: ``PackError/Code/invalidSource`` naming `source` and the problem.
    init(yaml: String, source: String) throws(PackError) {
        normalizedYAML = yaml.replacingCRLF()
        let document: JSONValue
        do {
            document = try JSONValue(yaml: normalizedYAML)
        } catch {
            throw PackError(code: .invalidSource, message: "\(source) is not valid YAML: \(error)", cause: error)
        }
        let reader = try JSONObjectReader(document, context: source, code: .invalidSource)
        id = try reader.string("id")
        if let problem = Self.identifierProblem(id) {
            throw reader.error("id", problem)
        }
        kind = try reader.string("type")
        guard case .object(let nodes)? = reader.members["nodes"], !nodes.isEmpty else {
            throw reader.error("nodes", "must be a mapping with at least one node")
        }
        if let start = try reader.optionalString("start") {
            entry = start
        } else if nodes["in"] != nil {
            entry = "in"
        } else {
            entry = nodes.keys.min { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } ?? ""
        }
        canonicalJSON = document.serializedBytes()
    }

    /// Why `name` cannot be used as a flow id or component name (a single path segment), or `nil`.
    static func identifierProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name == "." || name.contains("..") { return "must not contain `..`" }
        let allowed = name.utf8.allSatisfy {
            (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 46
                || $0 == 95
        }
        return allowed ? nil : "may contain only letters, digits, `-`, `_` and `.`"
    }
}

extension String {
    /// The text with every CRLF replaced by LF.
    func replacingCRLF() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var previousWasCR = false
        for byte in utf8 {
            if previousWasCR, byte != 0x0A { bytes.append(0x0D) }
            previousWasCR = byte == 0x0D
            if !previousWasCR { bytes.append(byte) }
        }
        if previousWasCR { bytes.append(0x0D) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
