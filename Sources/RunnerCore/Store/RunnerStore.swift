public import Foundation

/// The durable state of the runner: paused conversations, component state and dedupe records.
///
/// One protocol for every backend (in-memory for tests, SQLite embedded, PostgreSQL for
/// several nodes). It is shaped for a shared database: every write that depends on a read is
/// a compare-and-swap (resume records carry a revision, dedupe claims carry a token), and the
/// effects of one flow run are committed together by ``commit(_:)`` so nothing is ever partially
/// written. Nothing here knows about HTTP or flows; values are opaque JSON or bytes.
///
/// Time is always passed in by the caller (`now`), never read inside a store, so tests control
/// expiry without sleeping.
///
/// Conformance: every implementation must pass `RunnerStoreConformance` in `RunnerTestSupport`.
public protocol RunnerStore: Sendable {
    /// The resume record for `key`, or `nil` when there is none or it expired before `now`.
    func resumeRecord(for key: ResumeKey, now: Date) async throws(StoreError) -> ResumeRecord?

    /// Every stored value (component state and key-value state) in one scope.
    func stateSnapshot(for scope: StateScope) async throws(StoreError) -> StateSnapshot

    /// What a run needs before it starts, in one round trip where the backend allows: the
    /// resume record for `key` (as ``resumeRecord(for:now:)``) and the state of `scope` (as
    /// ``stateSnapshot(for:)``). The default implementation makes the two calls.
    func loadRun(_ key: ResumeKey, scope: StateScope, now: Date) async throws(StoreError) -> (resume: ResumeRecord?, state: StateSnapshot)

    /// Claims a provider event id or idempotency key for processing.
    ///
    /// Returns ``DedupeClaim/claimed(_:)`` with a token when nobody holds the key, or when a
    /// previous holder's lease expired (it crashed); ``DedupeClaim/inProgress`` when another
    /// request holds a live lease; ``DedupeClaim/completed(_:)`` with the stored response when
    /// the event was already processed and the record is still retained.
    func claim(_ key: DedupeKey, leaseUntil: Date, now: Date) async throws(StoreError) -> DedupeClaim

    /// Gives a claim back without a response, so a provider retry processes the event again.
    /// Does nothing when `token` no longer holds the claim.
    func release(_ key: DedupeKey, token: ClaimToken) async throws(StoreError)

    /// Applies the effects of one run atomically: all of them or none.
    ///
    /// - Throws: ``StoreError/Code/revisionConflict`` when the resume record's revision is not
    ///   the expected one (another run on the same session won the race), and
    ///   ``StoreError/Code/claimLost`` when the dedupe token no longer holds its claim. In both
    ///   cases nothing was written.
    func commit(_ commit: RunCommit) async throws(StoreError)

    /// Leases up to `limit` due outbox messages (pending, `nextAttemptAt <= now`), oldest
    /// first (by creation time, then sequence). Each leased message's `attempts` is
    /// incremented and its `nextAttemptAt` moved to `leaseUntil`, so no other worker or node
    /// takes it until the lease expires; the returned values carry the new attempt count.
    func leaseOutbox(now: Date, limit: Int, leaseUntil: Date) async throws(StoreError) -> [OutboxMessage]

    /// Records the end of a delivery attempt. Unknown ids are ignored.
    func finishOutbox(id: String, outcome: OutboxOutcome) async throws(StoreError)

    /// Removes resume records and dedupe records that expired before `now`. Returns how many
    /// rows were removed.
    @discardableResult
    func purgeExpired(now: Date) async throws(StoreError) -> Int
}

extension RunnerStore {
    public func loadRun(
        _ key: ResumeKey,
        scope: StateScope,
        now: Date
    ) async throws(StoreError) -> (
        resume: ResumeRecord?, state: StateSnapshot
    ) {
        (try await resumeRecord(for: key, now: now), try await stateSnapshot(for: scope))
    }
}
