import RunnerCore

/// Where an object or array came from, standing in for JavaScript's object identity: handlebars.js
/// decides whether a block changes the context (and so what `../` means) by comparing objects
/// with `!=`, which is identity for objects. JSON data is a tree, so the path from the root of
/// the document names each object once.
struct ValueIdentity: Hashable {
    /// 0 for the render's root data; a fresh number for each object a partial's hash creates;
    /// -1 for handlebars.js's `nullContext`.
    var origin: Int
    var path: [String]

    func appending(_ key: String) -> ValueIdentity {
        ValueIdentity(origin: origin, path: path + [key])
    }

    static let nullContext = ValueIdentity(origin: -1, path: [])
}

/// The members of an object: straight from the JSON data, or built by merging a partial's hash
/// into its context.
enum ObjectMembers {
    case json([String: JSONValue])
    case merged([String: TemplateValue])

    var keys: [String] {
        switch self {
        case .json(let members): return Array(members.keys)
        case .merged(let members): return Array(members.keys)
        }
    }
}

/// A value as the handlebars.js runtime sees it: JSON plus `undefined`, with object identity.
enum TemplateValue {
    case undefined
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue], ValueIdentity)
    case object(ObjectMembers, ValueIdentity)

    init(_ json: JSONValue, identity: ValueIdentity) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let elements): self = .array(elements, identity)
        case .object(let members): self = .object(.json(members), identity)
        }
    }

    /// handlebars.js's `container.nullContext`, the `this` of helpers called where the context
    /// is null or undefined.
    static let nullContext = TemplateValue.object(.merged([:]), .nullContext)

    var isNullish: Bool {
        switch self {
        case .undefined, .null: return true
        default: return false
        }
    }

    var isNullContext: Bool {
        if case .object(_, let identity) = self { return identity == .nullContext }
        return false
    }

    /// JavaScript's `ToBoolean`.
    var isTruthy: Bool {
        switch self {
        case .undefined, .null: return false
        case .bool(let value): return value
        case .int(let value): return value != 0
        case .double(let value): return !(value == 0 || value.isNaN)
        case .string(let value): return !value.isEmpty
        case .array, .object: return true
        }
    }

    /// handlebars.js's `Utils.isEmpty`: falsy but not zero, or an empty array.
    var isEmpty: Bool {
        switch self {
        case .int, .double: return !isTruthy && !isZero
        case .array(let elements, _): return elements.isEmpty
        default: return !isTruthy
        }
    }

    var isZero: Bool {
        switch self {
        case .int(let value): return value == 0
        case .double(let value): return value == 0
        default: return false
        }
    }

    /// handlebars.js's `lookupProperty`: an own property of an object, array or string, else
    /// `undefined` (prototype properties are denied, as by default in handlebars.js 4.7).
    func property(_ key: String) -> TemplateValue {
        switch self {
        case .object(.json(let members), let identity):
            guard let member = members[key] else { return .undefined }
            return TemplateValue(member, identity: identity.appending(key))
        case .object(.merged(let members), _):
            return members[key] ?? .undefined
        case .array(let elements, let identity):
            if key == "length" { return .int(Int64(elements.count)) }
            guard let position = Self.arrayIndex(key), position < elements.count else { return .undefined }
            return TemplateValue(elements[position], identity: identity.appending(key))
        case .string(let value):
            let units = Array(value.utf16)
            if key == "length" { return .int(Int64(units.count)) }
            guard let position = Self.arrayIndex(key), position < units.count else { return .undefined }
            return .string(String(decoding: [units[position]], as: UTF16.self))
        default:
            return .undefined
        }
    }

    /// A canonical array index ("0", "17", not "01" or "-0").
    static func arrayIndex(_ key: String) -> Int? {
        let scalars = Array(key.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 10, scalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            return nil
        }
        if scalars.count > 1, scalars[0] == "0" { return nil }
        guard let value = Int(key), value < 4_294_967_295 else { return nil }
        return value
    }

    /// The own enumerable keys that `Utils.extend` copies from a partial's context.
    func enumerableMembers() -> [String: TemplateValue] {
        var members: [String: TemplateValue] = [:]
        switch self {
        case .object(.json(let json), let identity):
            for (key, value) in json { members[key] = TemplateValue(value, identity: identity.appending(key)) }
        case .object(.merged(let merged), _):
            members = merged
        case .array(let elements, let identity):
            for position in elements.indices {
                let key = String(position)
                members[key] = TemplateValue(elements[position], identity: identity.appending(key))
            }
        case .string(let value):
            for (position, unit) in value.utf16.enumerated() {
                members[String(position)] = .string(String(decoding: [unit], as: UTF16.self))
            }
        default:
            break
        }
        return members
    }
}
