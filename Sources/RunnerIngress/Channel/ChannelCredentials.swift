/// One tenant's channel credentials: signing secrets, tokens, app ids.
///
/// The host resolves them through its secrets backend (per tenant first, then the global
/// variable of the same name); channels only ever see the values of the tenant at hand. Values
/// are never logged.
public struct ChannelCredentials: Sendable {
    private let lookup: @Sendable (String) -> String?

    /// - Parameter lookup: the value of a credential, `nil` when it is not configured.
    public init(lookup: @escaping @Sendable (String) -> String?) {
        self.lookup = lookup
    }

    /// Fixed values (tests, embedding).
    public init(_ values: [String: String]) {
        self.lookup = { values[$0] }
    }

    /// No credentials at all.
    public static let none = ChannelCredentials { _ in nil }

    /// The value of `name`, `nil` when unset or empty.
    public func value(_ name: String) -> String? {
        guard let value = lookup(name), !value.isEmpty else { return nil }
        return value
    }
}
