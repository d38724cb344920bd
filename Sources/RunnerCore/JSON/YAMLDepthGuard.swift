/// A conservative pre-scan of YAML text that refuses what the recursive composer must never
/// see: deep nesting, and anchors and aliases.
///
/// The composer (Yams over libyaml) builds the whole node tree, expanding aliases, before any
/// of our limits apply, and it recurses once per level, also when freeing the tree. So:
/// - **Anchors (`&a`) and aliases (`*a`) are refused.** Flows and bindings never need them, and
///   chained aliases expand exponentially (the "billion laughs") or build trees deep enough to
///   overflow the stack.
/// - **Flow nesting** (`[`, `{`) is counted, outside quotes, comments and block scalars.
/// - **Block nesting** needs more indentation or more `- `/`? `/`: ` indicators before a line's
///   content, so the column where a line's content starts bounds its depth.
/// - Line breaks other than LF and CRLF (lone CR, NEL, LS, PS) are refused, so indentation
///   cannot hide behind a break the scan does not see.
///
/// Quotes and anchors are recognised only where a node starts (after indentation and
/// indicators, after `: `, or after `[`, `{` and `,`), so `don't` or `2 * 3` in plain text are
/// just text. Block scalar content (`|`, `>`) is skipped.
enum YAMLDepthGuard {
    /// Why a document was refused, with its 1-based line.
    struct Violation: Error {
        let message: String
        let line: Int
    }

    static func check(_ text: String, maxFlowDepth: Int, maxContentColumn: Int) throws(Violation) {
        var scanner = Scanner(bytes: Array(text.utf8), maxFlowDepth: maxFlowDepth, maxContentColumn: maxContentColumn)
        try scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        let maxFlowDepth: Int
        let maxContentColumn: Int
        var index = 0
        var line = 1
        var flowDepth = 0
        /// The indentation of the line that opened a block scalar, while inside one.
        var blockScalarParentIndent: Int?

        init(bytes: [UInt8], maxFlowDepth: Int, maxContentColumn: Int) {
            self.bytes = bytes
            self.maxFlowDepth = maxFlowDepth
            self.maxContentColumn = maxContentColumn
        }

        func fail(_ message: String) -> Violation { Violation(message: message, line: line) }

        mutating func run() throws(Violation) {
            try refuseExoticLineBreaks()
            var quote: UInt8?
            while index < bytes.count {
                let end = lineEnd(from: index)
                let indent = leadingSpaces(from: index, to: end)
                if let parent = blockScalarParentIndent {
                    let blank = index + indent == end
                    if blank || indent > parent {
                        advance(to: end)
                        continue
                    }
                    blockScalarParentIndent = nil
                }
                try scanLine(upTo: end, indent: indent, quote: &quote)
                advance(to: end)
            }
        }

        /// Moves past the line ending at `end` (and its LF).
        mutating func advance(to end: Int) {
            index = end < bytes.count ? end + 1 : end
            line += 1
        }

        func lineEnd(from start: Int) -> Int {
            var position = start
            while position < bytes.count, bytes[position] != 0x0A { position += 1 }
            return position
        }

        func leadingSpaces(from start: Int, to end: Int) -> Int {
            var position = start
            while position < end, bytes[position] == 0x20 { position += 1 }
            return position - start
        }

        func refuseExoticLineBreaks() throws(Violation) {
            var lineNumber = 1
            for (offset, byte) in bytes.enumerated() {
                if byte == 0x0A { lineNumber += 1 }
                let next = offset + 1 < bytes.count ? bytes[offset + 1] : 0
                let exotic =
                    (byte == 0x0D && next != 0x0A) || (byte == 0xC2 && next == 0x85)
                    || (byte == 0xE2 && next == 0x80 && offset + 2 < bytes.count
                        && (bytes[offset + 2] == 0xA8 || bytes[offset + 2] == 0xA9))
                if exotic {
                    throw Violation(message: "only LF and CRLF line breaks are accepted", line: lineNumber)
                }
            }
        }

        static func isIndicator(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":")
        }

        static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

        mutating func scanLine(upTo end: Int, indent: Int, quote: inout UInt8?) throws(Violation) {
            var position = index
            var column = 0
            var atLineStart = quote == nil
            var atNodeStart = quote == nil
            var previous: UInt8 = 0x20
            var lastSignificant: (position: Int, atNodeStart: Bool)?
            while position < end {
                let byte = bytes[position]
                let next = position + 1 < end ? bytes[position + 1] : 0x20
                column += 1
                defer {
                    previous = byte
                    position += 1
                }
                if let open = quote {
                    if byte == UInt8(ascii: "\\"), open == UInt8(ascii: "\"") {
                        position += 1
                        column += 1
                    } else if byte == open {
                        if open == UInt8(ascii: "'"), next == UInt8(ascii: "'") {
                            position += 1  // '' is an escaped quote
                        } else {
                            quote = nil
                            atLineStart = false
                            atNodeStart = false
                        }
                    }
                    continue
                }
                if atLineStart {
                    if byte == 0x20 || byte == 0x09 || (Self.isIndicator(byte) && Self.isBlank(next)) {
                        if column > maxContentColumn {
                            throw fail("the document nests (indents) deeper than \(maxContentColumn) columns")
                        }
                        continue
                    }
                    atLineStart = false
                }
                if Self.isBlank(byte) { continue }
                if byte == UInt8(ascii: "#"), Self.isBlank(previous) || position == index { break }
                if atNodeStart {
                    switch byte {
                    case UInt8(ascii: "&"), UInt8(ascii: "*"):
                        throw fail("YAML anchors and aliases (`&name`, `*name`) are not accepted")
                    case UInt8(ascii: "'"), UInt8(ascii: "\""):
                        quote = byte
                        continue
                    default:
                        break
                    }
                }
                lastSignificant = (position, atNodeStart)
                switch byte {
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flowDepth += 1
                    if flowDepth > maxFlowDepth { throw fail("the document nests deeper than \(maxFlowDepth) levels") }
                    atNodeStart = true
                case UInt8(ascii: ","):
                    atNodeStart = flowDepth > 0
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    flowDepth = max(0, flowDepth - 1)
                    atNodeStart = false
                case UInt8(ascii: ":")
                where Self.isBlank(next)
                    || (flowDepth > 0 && (next == UInt8(ascii: ",") || next == UInt8(ascii: "]") || next == UInt8(ascii: "}"))):
                    atNodeStart = true
                case UInt8(ascii: "-") where atNodeStart && Self.isBlank(next):
                    atNodeStart = true
                case UInt8(ascii: "!"):
                    // A tag (`!!str`) precedes the node it tags.
                    break
                default:
                    atNodeStart = false
                }
            }
            if quote == nil, let last = lastSignificant, isBlockScalarHeader(at: last.position, end: end) {
                blockScalarParentIndent = indent
            }
        }

        /// Whether the line's last token is a block scalar header (`|`, `>`, with optional
        /// chomping and indentation indicators) that starts a node.
        func isBlockScalarHeader(at last: Int, end: Int) -> Bool {
            var start = last
            while start > index, bytes[start] != 0x20, bytes[start] != 0x09 { start -= 1 }
            if bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            guard start <= last, bytes[start] == UInt8(ascii: "|") || bytes[start] == UInt8(ascii: ">") else { return false }
            for byte in bytes[(start + 1)..<(last + 1)]
            where !(byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || (0x31...0x39).contains(byte)) {
                return false
            }
            // The header follows `key:`, `-`, `?` or starts the line.
            var before = start - 1
            while before >= index, bytes[before] == 0x20 || bytes[before] == 0x09 { before -= 1 }
            return before < index || Self.isIndicator(bytes[before])
        }
    }
}
