import RunnerCore

/// JavaScript conversions and comparisons that handlebars.js relies on.
extension TemplateValue {
    /// What `{{value}}` writes before escaping: JavaScript's `String(value)`, with null and
    /// undefined as "" (handlebars.js's `escapeExpression` and `append`).
    var outputString: String {
        switch self {
        case .undefined, .null: return ""
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return JSNumberFormatter.string(from: value)
        case .string(let value): return value
        case .array(let elements, _): return Self.join(elements)
        case .object: return "[object Object]"
        }
    }

    /// JavaScript's `ToPropertyKey`, as used by `lookup` (`obj[field]`).
    var propertyKey: String {
        switch self {
        case .undefined: return "undefined"
        case .null: return "null"
        default: return outputString
        }
    }

    /// `Array.prototype.toString`: elements joined by ",", null as "", nested arrays
    /// flattened the same way. Iterative, so deeply nested data cannot exhaust the stack.
    static func join(_ elements: [JSONValue]) -> String {
        var result = ""
        var stack: [(elements: [JSONValue], next: Int)] = [(elements, 0)]
        while let top = stack.last {
            if top.next >= top.elements.count {
                stack.removeLast()
                continue
            }
            stack[stack.count - 1].next += 1
            if top.next > 0 { result += "," }
            switch top.elements[top.next] {
            case .null: break
            case .array(let inner): stack.append((inner, 0))
            case let element: result += TemplateValue(element, identity: ValueIdentity(origin: 0, path: [])).outputString
            }
        }
        return result
    }

    private var numberValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// JavaScript's loose equality `a == b`, which handlebars.js uses to decide whether a block
    /// moved to a new context (`context != depths[0]`).
    static func looseEquals(_ lhs: TemplateValue, _ rhs: TemplateValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.undefined, .null), (.null, .undefined), (.null, .null):
            return true
        case (.undefined, _), (.null, _), (_, .undefined), (_, .null):
            return false
        case (.int(let left), .int(let right)):
            return left == right
        case (.string(let left), .string(let right)):
            return left.unicodeScalars.elementsEqual(right.unicodeScalars)
        case (.bool(let left), .bool(let right)):
            return left == right
        case (.array(_, let left), .array(_, let right)), (.object(_, let left), .object(_, let right)):
            return left == right
        case (.array, .object), (.object, .array):
            return false
        case (.bool(let left), _):
            return looseEquals(.double(left ? 1 : 0), rhs)
        case (_, .bool(let right)):
            return looseEquals(lhs, .double(right ? 1 : 0))
        case (.string(let text), _) where rhs.numberValue != nil:
            return JSNumberFormatter.number(from: text) == rhs.numberValue
        case (_, .string(let text)) where lhs.numberValue != nil:
            return lhs.numberValue == JSNumberFormatter.number(from: text)
        case (.array, _), (.object, _):
            return looseEquals(.string(lhs.outputString), rhs)
        case (_, .array), (_, .object):
            return looseEquals(lhs, .string(rhs.outputString))
        default:
            if let left = lhs.numberValue, let right = rhs.numberValue { return left == right }
            return false
        }
    }
}
