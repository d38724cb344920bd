/// Prefix rules on the full webhook request path (reference §8.4).
public struct WebhookPolicy: Sendable, Hashable {
    public var allowPaths: [String]
    public var denyPaths: [String]

    public init(allowPaths: [String] = [], denyPaths: [String] = []) {
        self.allowPaths = allowPaths
        self.denyPaths = denyPaths
    }

    /// Denied when a deny prefix matches; otherwise allowed when there are no allow prefixes
    /// or one matches.
    public func permits(_ path: String) -> Bool {
        if denyPaths.contains(where: { path.hasPrefix($0) }) { return false }
        return allowPaths.isEmpty || allowPaths.contains(where: { path.hasPrefix($0) })
    }
}
