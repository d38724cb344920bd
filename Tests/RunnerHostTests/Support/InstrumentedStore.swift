import Foundation
import RunnerCore
import Synchronization

/// An in-memory store that counts the runs that looked up their dedupe key (so a test knows
/// when requests reached their flow run: each reads its `Idempotency-Key` first) and can refuse
/// inbox releases (a store outage at the worst moment).
final class InstrumentedStore: RunnerStore {
    private let inner = InMemoryRunnerStore()
    private let count = Mutex(0)
    private let refusing = Mutex((on: false, refused: 0))
    private let timerEvents = Mutex((accepted: [InboxEvent](), completed: [String](), cursorReads: 0))
    private let outboxLeases = Mutex(0)

    /// Calls of `leaseOutbox` so far.
    var outboxLeaseCalls: Int { outboxLeases.withLock { $0 } }

    /// Timer events accepted so far (each tick once, however many schedulers noticed it).
    var acceptedTimerEvents: [InboxEvent] { timerEvents.withLock { $0.accepted } }
    /// Ids of timer events whose run was committed.
    var completedTimerEvents: [String] { timerEvents.withLock { $0.completed } }
    /// Calls of `timerCursor` so far (a scheduler reads a schedule's cursor when it first sees it).
    var timerCursorReads: Int { timerEvents.withLock { $0.cursorReads } }

    /// Runs started so far that looked up a dedupe key.
    var dedupedRuns: Int { count.withLock { $0 } }

    /// Whether `releaseInbox` fails as a backend error.
    var failReleases: Bool {
        get { refusing.withLock { $0.on } }
        set { refusing.withLock { $0.on = newValue } }
    }

    /// Releases refused so far.
    var refusedReleases: Int { refusing.withLock { $0.refused } }

    func claim(_ key: DedupeKey, leaseUntil: Date, now: Date) async throws(StoreError) -> DedupeClaim {
        await inner.claim(key, leaseUntil: leaseUntil, now: now)
    }

    func dedupeState(_ key: DedupeKey, now: Date) async throws(StoreError) -> DedupeState? {
        await inner.dedupeState(key, now: now)
    }

    func loadRun(_ key: ResumeKey, scope: StateScope, dedupe: DedupeKey?, now: Date) async throws(StoreError) -> RunLoad {
        if dedupe != nil { count.withLock { $0 += 1 } }
        return try await inner.loadRun(key, scope: scope, dedupe: dedupe, now: now)
    }

    func resumeRecord(for key: ResumeKey, now: Date) async throws(StoreError) -> ResumeRecord? {
        await inner.resumeRecord(for: key, now: now)
    }

    func stateSnapshot(for scope: StateScope) async throws(StoreError) -> StateSnapshot {
        await inner.stateSnapshot(for: scope)
    }

    func release(_ key: DedupeKey, token: ClaimToken) async throws(StoreError) {
        await inner.release(key, token: token)
    }

    @discardableResult
    func commit(_ commit: RunCommit) async throws(StoreError) -> [OutboxLease] {
        let leases = try await inner.commit(commit)
        if let completion = commit.inbox, completion.id.hasPrefix("timer/") {
            timerEvents.withLock { $0.completed.append(completion.id) }
        }
        return leases
    }

    func accept(_ acceptance: Acceptance, now: Date) async throws(StoreError) -> [AcceptOutcome] {
        let outcomes = try await inner.accept(acceptance, now: now)
        for (entry, outcome) in zip(acceptance.entries, outcomes) where entry.timerTick != nil && outcome != .duplicate {
            timerEvents.withLock { $0.accepted.append(entry.event) }
        }
        return outcomes
    }

    func leaseInbox(now: Date, limit: Int, leaseUntil: Date) async throws(StoreError) -> [InboxLease] {
        await inner.leaseInbox(now: now, limit: limit, leaseUntil: leaseUntil)
    }

    func releaseInbox(id: String, token: ClaimToken, retryAt: Date, error: String) async throws(StoreError) -> Bool {
        let refuse = refusing.withLock { state -> Bool in
            if state.on { state.refused += 1 }
            return state.on
        }
        if refuse { throw StoreError(.backend, "the store is down") }
        return await inner.releaseInbox(id: id, token: token, retryAt: retryAt, error: error)
    }

    func leaseOutbox(_ request: OutboxLeaseRequest) async throws(StoreError) -> OutboxLeaseBatch {
        outboxLeases.withLock { $0 += 1 }
        return await inner.leaseOutbox(request)
    }

    func startDelivery(_ lease: OutboxLease, now: Date) async throws(StoreError) -> Bool {
        await inner.startDelivery(lease, now: now)
    }

    func finishOutbox(_ lease: OutboxLease, outcome: OutboxOutcome, now: Date) async throws(StoreError) -> Bool {
        await inner.finishOutbox(lease, outcome: outcome, now: now)
    }

    func deadLetters(tenant: String?, after: String?, limit: Int) async throws(StoreError) -> DeadLetterPage {
        await inner.deadLetters(tenant: tenant, after: after, limit: limit)
    }

    func replayDeadLetter(id: String, tenant: String?, now: Date) async throws(StoreError) -> Bool {
        await inner.replayDeadLetter(id: id, tenant: tenant, now: now)
    }

    func timerCursor(tenant: String, scheduleID: String, spec: String, now: Date) async throws(StoreError) -> Date {
        timerEvents.withLock { $0.cursorReads += 1 }
        return await inner.timerCursor(tenant: tenant, scheduleID: scheduleID, spec: spec, now: now)
    }

    func queueCounts() async throws(StoreError) -> (outbox: OutboxCounts, inbox: InboxCounts) {
        await inner.queueCounts()
    }

    func tenantCounts(now: Date) async throws(StoreError) -> [String: TenantCounts] {
        await inner.tenantCounts(now: now)
    }

    func pausedSessions(
        tenant: String,
        after: PausedSessionPage.Cursor?,
        limit: Int,
        now: Date
    ) async throws(StoreError) -> PausedSessionPage {
        await inner.pausedSessions(tenant: tenant, after: after, limit: limit, now: now)
    }

    func eraseSessions(tenant: String, _ selector: SessionSelector) async throws(StoreError) -> SessionErasure {
        try await inner.eraseSessions(tenant: tenant, selector)
    }

    func purgeExpired(now: Date, idleStateBefore: Date?) async throws(StoreError) -> Int {
        await inner.purgeExpired(now: now, idleStateBefore: idleStateBefore)
    }
}
