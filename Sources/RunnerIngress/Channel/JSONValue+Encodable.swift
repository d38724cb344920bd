internal import Foundation
public import RunnerCore

extension JSONValue {
    /// The JSON of an `Encodable` value (a typed reply address or outbound message).
    ///
    /// - Throws: what `JSONEncoder` throws (non-finite numbers, for example).
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes this JSON as `type`.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(serializedBytes()))
    }
}
