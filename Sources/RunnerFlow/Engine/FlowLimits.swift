/// Bounds on one run, so a looping or bloated flow fails with a clear error instead of hanging.
public struct FlowLimits: Sendable, Hashable {
    /// Most nodes one run may execute, sub-flows included (default 256).
    public var maxNodes: Int
    /// Largest serialised payload a node may produce or a run may take as input (512 KiB).
    public var maxPayloadBytes: Int
    /// Longest a run may take, in milliseconds (default 30 s).
    public var maxWallTimeMs: Int
    /// Deepest `flow.call` nesting (default 8).
    public var maxCallDepth: Int
    /// Largest text one template may render (default 512 KiB).
    public var maxTemplateOutputBytes: Int

    public init(
        maxNodes: Int = 256,
        maxPayloadBytes: Int = 512 * 1024,
        maxWallTimeMs: Int = 30_000,
        maxCallDepth: Int = 8,
        maxTemplateOutputBytes: Int = 512 * 1024
    ) {
        self.maxNodes = maxNodes
        self.maxPayloadBytes = maxPayloadBytes
        self.maxWallTimeMs = maxWallTimeMs
        self.maxCallDepth = maxCallDepth
        self.maxTemplateOutputBytes = maxTemplateOutputBytes
    }
}
