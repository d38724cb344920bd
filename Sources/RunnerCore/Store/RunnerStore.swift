public import Foundation

/// The durable state of the runner: paused conversations, component state, dedupe records,
/// accepted events waiting to run (the inbox) and replies waiting to be delivered (the outbox).
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
    /// resume record for `key` (as ``resumeRecord(for:now:)``), the state of `scope` (as
    /// ``stateSnapshot(for:)``) and, with `dedupe`, that key's live record (as
    /// ``dedupeState(_:now:)``). The default implementation makes the calls one by one.
    func loadRun(_ key: ResumeKey, scope: StateScope, dedupe: DedupeKey?, now: Date) async throws(StoreError) -> RunLoad

    /// The live record of a dedupe key at `now`: ``DedupeState/inProgress`` while a claim's
    /// lease lasts, ``DedupeState/completed(_:)`` while an answer is retained, else `nil`.
    func dedupeState(_ key: DedupeKey, now: Date) async throws(StoreError) -> DedupeState?

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
    ///   ``StoreError/Code/claimLost`` when the dedupe token no longer holds its claim or the
    ///   inbox event's lease is no longer held by its token, and ``StoreError/Code/duplicate``
    ///   when an unclaimed dedupe completion finds its key live. The dedupe completion is
    ///   checked first. In every case nothing was written.
    ///   A completed inbox event whose outcome is `failed` stays until its retention ends.
    /// - Returns: with ``RunCommit/replyLease``, the replies stored leased to the caller until
    ///   its date, in delivery order: of the commit's due replies (`nextAttemptAt` not after
    ///   `createdAt`), those that are the first undelivered message of their conversation, up
    ///   to its limit, exactly as ``leaseOutbox(_:)`` would lease them. The others stay
    ///   pending. Without it, nothing is leased and the result is empty.
    @discardableResult
    func commit(_ commit: RunCommit) async throws(StoreError) -> [OutboxLease]

    /// Records events acknowledged to their provider, in one transaction: per entry, its
    /// dedupe record (answering redeliveries with `acceptance.response`), its inbox row and its
    /// immediate outbox messages. An entry whose dedupe key is live (`processing` with a live
    /// lease, or `done` and retained), or whose timer tick is not after its schedule's cursor
    /// (which accepting it moves to the tick), is a ``AcceptOutcome/duplicate`` and writes
    /// nothing. With
    /// `acceptance.leaseUntil`, an entry is leased to the caller only when no event of its
    /// session is pending or leased (counting the acceptance's earlier entries); the others
    /// wait their turn in the inbox.
    ///
    /// - Returns: one outcome per entry, in order.
    func accept(_ acceptance: Acceptance, now: Date) async throws(StoreError) -> [AcceptOutcome]

    /// Leases up to `limit` due inbox events: pending with `nextAttemptAt <= now`, or leased
    /// with an expired lease. Only a session's head is taken: its leased event (a session has
    /// at most one), else its earliest pending one (`receivedAt`, then `id`), so a session's
    /// events run in arrival order, one at a time. Each lease increments `attempts` and gets a
    /// new token.
    func leaseInbox(now: Date, limit: Int, leaseUntil: Date) async throws(StoreError) -> [InboxLease]

    /// Gives a leased inbox event back, due again at `retryAt` (its flow could not run yet:
    /// the store or a provider API was unavailable), and takes back the attempt its lease
    /// counted: `attempts` counts only leases that ended with neither a release nor a
    /// completion (a crash or a hang). Returns `false`, writing nothing, when `token` no longer
    /// holds the lease.
    @discardableResult
    func releaseInbox(id: String, token: ClaimToken, retryAt: Date, error: String) async throws(StoreError) -> Bool

    /// Leases due outbox messages for delivery (see ``OutboxLeaseRequest``).
    ///
    /// A message is due when it is pending with `nextAttemptAt <= now`, or leased with an
    /// expired lease (its holder never started the send). It is taken only when no earlier
    /// message (`createdAt`, `sequence`, `id`) of the same tenant, provider and conversation
    /// is pending, leased or being sent, so a conversation's replies go out in order, one at a
    /// time (dead letters do not block), and at most ``OutboxLeaseRequest/room(for:)`` messages
    /// of one tenant are taken. Before leasing, sends whose lease expired are handled as
    /// `request.abandoned` says and returned as ``OutboxLeaseBatch/abandoned``. A lease does not
    /// count an attempt.
    func leaseOutbox(_ request: OutboxLeaseRequest) async throws(StoreError) -> OutboxLeaseBatch

    /// Marks the start of a send and counts the attempt. Returns `false`, writing nothing,
    /// when the lease's token no longer holds the message or its lease ended (`leaseUntil <= now`):
    /// the caller must not send.
    func startDelivery(_ lease: OutboxLease, now: Date) async throws(StoreError) -> Bool

    /// Records how a leased message's turn ended. Returns `false`, writing nothing, when the
    /// lease's token no longer holds the message (another holder took over).
    @discardableResult
    func finishOutbox(_ lease: OutboxLease, outcome: OutboxOutcome, now: Date) async throws(StoreError) -> Bool

    /// The last tick recorded for a timer schedule (see ``Acceptance/Entry/timerTick``). A
    /// schedule seen for the first time, or whose `spec` (its definition: cron expression and
    /// time zone) changed, gets the cursor `now` (or keeps a later one), so it starts with its
    /// next tick rather than catching up on times it was not defined for.
    func timerCursor(tenant: String, scheduleID: String, spec: String, now: Date) async throws(StoreError) -> Date

    /// Dead letters ordered by message id, optionally of one tenant, after the cursor `after`.
    func deadLetters(tenant: String?, after: String?, limit: Int) async throws(StoreError) -> DeadLetterPage

    /// Makes a dead letter due again at `now` with its attempts reset. Returns `false` when
    /// there is no such dead letter (of that tenant, when given).
    @discardableResult
    func replayDeadLetter(id: String, tenant: String?, now: Date) async throws(StoreError) -> Bool

    /// How many messages and events wait, are in flight, are dead or failed.
    func queueCounts() async throws(StoreError) -> (outbox: OutboxCounts, inbox: InboxCounts)

    /// Per tenant with anything stored: its paused conversations at `now` and its outbox.
    func tenantCounts(now: Date) async throws(StoreError) -> [String: TenantCounts]

    /// The conversations of `tenant` paused at `now`, ordered by session key then flow id,
    /// after `after`; at most `limit`.
    func pausedSessions(
        tenant: String,
        after: PausedSessionPage.Cursor?,
        limit: Int,
        now: Date
    ) async throws(StoreError)
        -> PausedSessionPage

    /// Erases what the store keeps of the sessions `selector` picks in `tenant`: their resume
    /// records, and the component state of every pack in their scopes (the scopes' revisions
    /// advance, so a run that loaded the state before cannot write it back). Dedupe records,
    /// queued events and replies are left alone. Nothing of another tenant is touched.
    @discardableResult
    func eraseSessions(tenant: String, _ selector: SessionSelector) async throws(StoreError) -> SessionErasure

    /// Removes resume records, dedupe records, dead letters and failed inbox events whose
    /// time ran out at or before `now`, and, with `idleStateBefore`, the component state of
    /// sessions (scopes other than the tenant-wide `""`) last written by a commit stamped at or
    /// before it (``RunCommit/committedAt``) whose tenant and session key have no live resume
    /// record at `now`. Returns how many records were removed.
    @discardableResult
    func purgeExpired(now: Date, idleStateBefore: Date?) async throws(StoreError) -> Int
}

extension RunnerStore {
    /// Removes what expired at or before `now`, keeping all component state.
    @discardableResult
    public func purgeExpired(now: Date) async throws(StoreError) -> Int {
        try await purgeExpired(now: now, idleStateBefore: nil)
    }

    public func loadRun(_ key: ResumeKey, scope: StateScope, dedupe: DedupeKey?, now: Date) async throws(StoreError) -> RunLoad {
        var load = RunLoad(resume: try await resumeRecord(for: key, now: now), state: try await stateSnapshot(for: scope))
        if let dedupe { load.dedupe = try await dedupeState(dedupe, now: now) }
        return load
    }
}
