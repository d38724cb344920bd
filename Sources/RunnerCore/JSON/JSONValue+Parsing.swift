extension JSONValue {
    /// Limits applied while parsing untrusted JSON.
    public struct ParsingLimits: Sendable, Hashable {
        /// Deepest allowed nesting of arrays and objects.
        public var maxDepth: Int

        public init(maxDepth: Int = 64) {
            self.maxDepth = maxDepth
        }
    }

    /// Parses a complete JSON document (RFC 8259) from UTF-8 bytes.
    ///
    /// Integers that fit in `Int64` stay integers; everything else numeric becomes a `Double`.
    /// Duplicate object keys keep the last value. Nesting deeper than `limits.maxDepth` is
    /// rejected rather than risking the stack.
    ///
    /// - Throws: ``JSONParseError`` naming the byte offset of the problem.
    public init(parsing bytes: some Collection<UInt8>, limits: ParsingLimits = .init()) throws(JSONParseError) {
        let array = Array(bytes)
        var parser = JSONParser(bytes: array, maxDepth: limits.maxDepth)
        self = try parser.parseDocument()
    }

    /// Parses a complete JSON document from a string.
    public init(parsing text: String, limits: ParsingLimits = .init()) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }
}
