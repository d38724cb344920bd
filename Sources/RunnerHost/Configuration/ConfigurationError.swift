/// A configuration problem found at startup: a bad environment variable, flag or file.
///
/// The message names the variable, flag or file and field, and says what is expected.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
