/// What a run reads before it starts (``RunnerStore/loadRun(_:scope:dedupe:now:)``).
public struct RunLoad: Sendable {
    /// The session's live resume record, if it is paused.
    public var resume: ResumeRecord?
    /// The component state of the run's scope.
    public var state: StateSnapshot
    /// The event's dedupe key, when one was asked for and it is live: the run need not start.
    public var dedupe: DedupeState?

    public init(resume: ResumeRecord?, state: StateSnapshot, dedupe: DedupeState? = nil) {
        self.resume = resume
        self.state = state
        self.dedupe = dedupe
    }
}
