/// Bounds on one render, so that an untrusted template cannot exhaust memory or the stack.
public struct TemplateLimits: Sendable, Hashable {
    /// The largest output, in UTF-8 bytes, before rendering fails with `.outputTooLarge`.
    public var maxOutputBytes: Int = 1 << 20
    /// The deepest nesting of blocks (`{{#if}}`, `{{#each}}`, `{{else if}}` links, sections…)
    /// and partials at render time before rendering fails with `.depthExceeded`.
    public var maxDepth: Int = 64

    public init(maxOutputBytes: Int = 1 << 20, maxDepth: Int = 64) {
        self.maxOutputBytes = maxOutputBytes
        self.maxDepth = maxDepth
    }
}
