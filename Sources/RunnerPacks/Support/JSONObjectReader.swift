internal import RunnerCore

/// Reads typed members out of a JSON (or YAML-converted) object, turning every shape problem
/// into a ``PackError`` that names the document and the field.
struct JSONObjectReader {
    /// The members of the object.
    let members: [String: JSONValue]
    /// Where the object lives, for messages (e.g. `"signatures/pack.sig"`, `"tenant acme main_pack"`).
    let context: String
    /// The error code used for every problem.
    let code: PackError.Code

    /// Wraps `value`, which must be an object.
    init(_ value: JSONValue, context: String, code: PackError.Code) throws(PackError) {
        guard case .object(let members) = value else {
            throw PackError(code: code, message: "\(context) must be a JSON object, found \(value.kindName)")
        }
        self.members = members
        self.context = context
        self.code = code
    }

    /// Builds the error for `field`.
    func error(_ field: String, _ problem: String) -> PackError {
        PackError(code: code, message: "\(context): field `\(field)` \(problem)")
    }

    /// A required string member.
    func string(_ field: String) throws(PackError) -> String {
        guard let value = members[field], !value.isNull else { throw error(field, "is required") }
        guard case .string(let text) = value else { throw error(field, "must be a string, found \(value.kindName)") }
        return text
    }

    /// An optional string member (`null` counts as absent).
    func optionalString(_ field: String) throws(PackError) -> String? {
        guard let value = members[field], !value.isNull else { return nil }
        guard case .string(let text) = value else { throw error(field, "must be a string, found \(value.kindName)") }
        return text
    }

    /// An optional array of strings (`null` counts as absent).
    func optionalStringArray(_ field: String) throws(PackError) -> [String]? {
        guard let value = members[field], !value.isNull else { return nil }
        guard case .array(let elements) = value else {
            throw error(field, "must be an array of strings, found \(value.kindName)")
        }
        var strings: [String] = []
        for element in elements {
            guard case .string(let text) = element else {
                throw error(field, "must contain only strings, found \(element.kindName)")
            }
            strings.append(text)
        }
        return strings
    }

    /// A required non-negative integer member.
    func unsignedInteger(_ field: String) throws(PackError) -> UInt64 {
        guard let value = members[field], !value.isNull else { throw error(field, "is required") }
        guard let integer = value.int64Value, integer >= 0 else {
            throw error(field, "must be a non-negative integer, found \(value.kindName)")
        }
        return UInt64(integer)
    }
}

extension JSONValue {
    /// The JSON type name, for error messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
