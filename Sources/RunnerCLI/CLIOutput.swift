internal import Foundation
internal import RunnerCore

/// Printing one JSON document to stdout.
enum CLIOutput {
    static func print(_ value: JSONValue) {
        Swift.print(PrettyJSON.format(value.serializedString()))
    }
}
