internal import Foundation

/// Pretty-printing compact JSON for humans (2-space indent, keys already sorted).
enum PrettyJSON {
    static func format(_ compact: String) -> String {
        guard let data = compact.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
            )
        else { return compact }
        return String(decoding: pretty, as: UTF8.self)
    }
}
