/// A conservative pre-scan of YAML text that bounds how deeply the document can nest, before
/// the recursive composer sees it.
///
/// The composer recurses once per nesting level, so a hostile document (tens of thousands of
/// `[`, or of nested `- ` items) would exhaust the stack. Nesting comes from flow collections
/// (`[`, `{`), which are counted outside quotes and comments, and from block structure, which
/// needs either more indentation or more `- `/`? `/`: ` indicators before a line's content; the
/// column where a line's content starts is therefore an upper bound on its block depth. The
/// scan over-approximates (text in block scalars may count), which only matters for documents
/// far beyond any real flow or bindings file.
enum YAMLDepthGuard {
    /// Why a document was refused, with its 1-based line.
    struct Violation: Error {
        let message: String
        let line: Int
    }

    static func check(_ text: String, maxFlowDepth: Int, maxContentColumn: Int) throws(Violation) {
        var flowDepth = 0
        var line = 1
        var column = 0
        var atLineStart = true
        var quote: UInt8?
        var inComment = false
        var previous: UInt8 = 0x0A
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            defer {
                previous = byte
                index += 1
            }
            if byte == 0x0A {
                line += 1
                column = 0
                atLineStart = true
                inComment = false  // a quoted scalar may span lines: `quote` carries over
                continue
            }
            column += 1
            if inComment { continue }
            if let open = quote {
                if byte == UInt8(ascii: "\\"), open == UInt8(ascii: "\"") {
                    index += 1
                    column += 1
                } else if byte == open {
                    quote = nil
                }
                continue
            }
            if atLineStart {
                let isIndicator =
                    (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":"))
                    && (index + 1 >= bytes.count || bytes[index + 1] == 0x20 || bytes[index + 1] == 0x0A)
                if byte == 0x20 || byte == 0x09 || isIndicator {
                    if column > maxContentColumn {
                        throw Violation(message: "the document nests (indents) deeper than \(maxContentColumn) columns", line: line)
                    }
                    continue
                }
                atLineStart = false
            }
            switch byte {
            case UInt8(ascii: "#") where previous == 0x20 || previous == 0x09 || previous == 0x0A:
                inComment = true
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                quote = byte
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flowDepth += 1
                if flowDepth > maxFlowDepth {
                    throw Violation(message: "the document nests deeper than \(maxFlowDepth) levels", line: line)
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flowDepth = max(0, flowDepth - 1)
            default:
                break
            }
        }
    }
}
