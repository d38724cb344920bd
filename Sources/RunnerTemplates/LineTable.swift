/// Maps a scalar offset in the source to a 1-based line and column. Lines end at "\n", "\r\n"
/// or a lone "\r", as in handlebars.js's lexer.
struct LineTable {
    private var lineStarts: [Int] = [0]

    init(_ scalars: [Unicode.Scalar]) {
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\r" {
                if index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                lineStarts.append(index + 1)
            } else if scalar == "\n" {
                lineStarts.append(index + 1)
            }
            index += 1
        }
    }

    func location(of offset: Int) -> SourceLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return SourceLocation(line: low + 1, column: offset - lineStarts[low] + 1)
    }
}
