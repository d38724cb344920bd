public import Foundation

/// A ``RunnerStore`` that keeps everything in memory: the store of tests and `flow run`.
///
/// It follows the same rules as the durable backends, so it passes the same conformance suite:
///
/// - A resume record is live while `now < expiresAt`; an expired record is never loaded, and a
///   new record may be inserted over it (`expectedRevision == nil`).
/// - The compare-and-swap of ``RunCommit/ResumeChange/save(_:expectedRevision:)`` and
///   ``RunCommit/ResumeChange/delete(_:expectedRevision:)`` compares revisions only; expiry
///   matters for loads and for inserts. ``RunCommit`` carries no `now`, so an insert judges the
///   existing record's expiry at the new record's `createdAt`.
/// - Inserting over an expired record continues its revision (old + 1) instead of restarting
///   at 1, so a run still holding the expired record's revision cannot overwrite the new one.
/// - A dedupe completion requires the token to still hold its `processing` claim; the lease
///   is not re-checked at commit (there is no `now`), only whether another claim replaced it.
/// - A dedupe lease or retention is over when `until <= now`.
/// - An outbox message id (and an inbox event id) must be new: a commit or acceptance carrying
///   an id that is already stored (or twice) fails with `.backend`, as a unique-key violation
///   does in a database.
/// - Outbox messages lease in (`createdAt`, `sequence`, `id`) order and inbox events in
///   (`receivedAt`, `id`) order, the head of each conversation or session only.
public actor InMemoryRunnerStore: RunnerStore {
    enum DedupeEntry {
        case processing(token: ClaimToken, leaseUntil: Date)
        case done(response: StoredResponse, retainUntil: Date)

        /// Whether the record still decides about its key at `now`.
        func isLive(at now: Date) -> Bool {
            switch self {
            case .processing(_, let leaseUntil): now < leaseUntil
            case .done(_, let retainUntil): now < retainUntil
            }
        }
    }

    var resumeRecords: [ResumeKey: ResumeRecord] = [:]
    var state: [StateScope: StateSnapshot] = [:]
    var stateRevisions: [StateScope: Int64] = [:]
    /// When a commit last touched each scope (``RunCommit/committedAt``).
    private var stateTouched: [StateScope: Date] = [:]
    var dedupe: [DedupeKey: DedupeEntry] = [:]
    var outbox: [String: OutboxEntry] = [:]
    var inbox: [String: InboxEntry] = [:]
    /// Per (tenant, schedule id): the schedule's definition and its last recorded tick.
    var timerCursors: [TimerKey: (spec: String, lastTick: Date)] = [:]

    struct TimerKey: Hashable, Sendable {
        var tenant: String
        var scheduleID: String
    }

    public init() {}

    public func timerCursor(tenant: String, scheduleID: String, spec: String, now: Date) -> Date {
        let key = TimerKey(tenant: tenant, scheduleID: scheduleID)
        if let cursor = timerCursors[key], cursor.spec == spec { return cursor.lastTick }
        let lastTick = max(timerCursors[key]?.lastTick ?? now, now)
        timerCursors[key] = (spec, lastTick)
        return lastTick
    }

    public func resumeRecord(for key: ResumeKey, now: Date) -> ResumeRecord? {
        guard let record = resumeRecords[key], now < record.expiresAt else { return nil }
        return record
    }

    public func stateSnapshot(for scope: StateScope) -> StateSnapshot {
        var snapshot = state[scope] ?? StateSnapshot()
        snapshot.revision = stateRevisions[scope] ?? 0
        return snapshot
    }

    public func dedupeState(_ key: DedupeKey, now: Date) -> DedupeState? {
        switch dedupe[key] {
        case .processing(_, let currentLease)? where now < currentLease: .inProgress
        case .done(let response, let retainUntil)? where now < retainUntil: .completed(response)
        case nil, .processing?, .done?: nil
        }
    }

    public func claim(_ key: DedupeKey, leaseUntil: Date, now: Date) -> DedupeClaim {
        switch dedupeState(key, now: now) {
        case .inProgress: return .inProgress
        case .completed(let response): return .completed(response)
        case nil:
            let token = ClaimToken.random()
            dedupe[key] = .processing(token: token, leaseUntil: leaseUntil)
            return .claimed(token)
        }
    }

    public func release(_ key: DedupeKey, token: ClaimToken) {
        if case .processing(let holder, _)? = dedupe[key], holder == token {
            dedupe[key] = nil
        }
    }

    @discardableResult
    public func commit(_ commit: RunCommit) throws(StoreError) -> [OutboxLease] {
        // Check everything first, then apply: an actor method runs without interleaving, so
        // nothing is written when a check fails. The dedupe completion goes first: a
        // duplicate is a duplicate whatever else it conflicts with.
        if let completion = commit.dedupe {
            switch completion.hold {
            case .claimed(let token):
                guard case .processing(let holder, _)? = dedupe[completion.key], holder == token else {
                    throw StoreError(.claimLost, "dedupe claim on \(completion.key.namespace)/\(completion.key.id) is no longer held")
                }
            case .unclaimed(let now):
                if dedupeState(completion.key, now: now) != nil {
                    throw StoreError(.duplicate, "dedupe key \(completion.key.namespace)/\(completion.key.id) is already taken")
                }
            }
        }
        let resumeEffect = try checkedResumeEffect(commit.resume)
        for (scope, expected) in commit.stateRevisions {
            let found = stateRevisions[scope] ?? 0
            guard found == expected else { throw StoreError.stateConflict(scope, expected: expected, found: found) }
        }
        var nextRevisions: [StateScope: Int64] = [:]
        for scope in commit.touchedScopes {
            nextRevisions[scope] = try StoreError.nextRevision(after: stateRevisions[scope] ?? 0)
        }
        if let completion = commit.inbox {
            guard let entry = inbox[completion.id], entry.state == .leased, entry.token == completion.token else {
                throw StoreError(.claimLost, "the lease on inbox event \(completion.id) is no longer held")
            }
        }
        try checkNewOutboxIDs(commit.outbox)

        switch resumeEffect {
        case .none: break
        case .put(let record): resumeRecords[record.key] = record
        case .remove(let key): resumeRecords[key] = nil
        }
        for write in commit.stateWrites {
            apply(write)
        }
        stateRevisions.merge(nextRevisions) { $1 }
        if let committedAt = commit.committedAt {
            for scope in nextRevisions.keys { stateTouched[scope] = committedAt }
        }
        if let completion = commit.dedupe {
            dedupe[completion.key] = .done(response: completion.response, retainUntil: completion.retainUntil)
        }
        if let completion = commit.inbox {
            complete(completion)
        }
        for message in commit.outbox {
            outbox[message.id] = OutboxEntry(message: message)
        }
        guard let replyLease = commit.replyLease else { return [] }
        return leaseReplies(commit.outbox, replyLease)
    }

    @discardableResult
    public func purgeExpired(now: Date, idleStateBefore: Date?) -> Int {
        let expiredResume = resumeRecords.filter { $0.value.expiresAt <= now }.map(\.key)
        for key in expiredResume { resumeRecords[key] = nil }
        var idleScopes: [StateScope] = []
        if let idleStateBefore {
            let paused = Set(resumeRecords.keys.map { "\($0.tenant)\u{0}\($0.sessionKey)" })
            idleScopes = stateTouched.filter { scope, touched in
                !scope.session.isEmpty && touched <= idleStateBefore && !paused.contains("\(scope.tenant)\u{0}\(scope.session)")
            }.map(\.key)
            for scope in idleScopes {
                state[scope] = nil
                stateRevisions[scope] = nil
                stateTouched[scope] = nil
            }
        }
        let expiredDedupe = dedupe.filter { entry in
            switch entry.value {
            case .processing(_, let leaseUntil): leaseUntil <= now
            case .done(_, let retainUntil): retainUntil <= now
            }
        }.map(\.key)
        for key in expiredDedupe { dedupe[key] = nil }
        let expiredDead = outbox.filter { $0.value.state == .dead && ($0.value.retainUntil ?? .distantPast) <= now }.map(\.key)
        for id in expiredDead { outbox[id] = nil }
        let expiredFailed = inbox.filter { $0.value.state == .failed && ($0.value.retainUntil ?? .distantPast) <= now }.map(\.key)
        for id in expiredFailed { inbox[id] = nil }
        return expiredResume.count + idleScopes.count + expiredDead.count + expiredFailed.count + expiredDedupe.count
    }

    // MARK: - Helpers

    private enum ResumeEffect {
        case none
        case put(ResumeRecord)
        case remove(ResumeKey)
    }

    private func checkedResumeEffect(_ change: RunCommit.ResumeChange) throws(StoreError) -> ResumeEffect {
        switch change {
        case .none:
            return .none
        case .save(var record, let expectedRevision):
            let current = resumeRecords[record.key]
            if let expectedRevision {
                guard let current, current.revision == expectedRevision else {
                    throw StoreError.resumeConflict(record.key, expected: expectedRevision, found: current?.revision)
                }
                record.revision = try StoreError.nextRevision(after: expectedRevision)
            } else if let current {
                guard current.expiresAt <= record.createdAt else {
                    throw StoreError.resumeConflict(record.key, expected: nil, found: current.revision)
                }
                record.revision = try StoreError.nextRevision(after: current.revision)
            } else {
                record.revision = 1
            }
            return .put(record)
        case .delete(let key, let expectedRevision):
            let current = resumeRecords[key]
            guard let current, current.revision == expectedRevision else {
                throw StoreError.resumeConflict(key, expected: expectedRevision, found: current?.revision)
            }
            return .remove(key)
        }
    }

    private func apply(_ write: StateWrite) {
        let scope = write.key.scope
        var snapshot = state[scope] ?? StateSnapshot()
        switch write.key.kind {
        case .component: snapshot.components[write.key.name] = write.value
        case .keyValue: snapshot.keyValues[write.key.name] = write.value
        }
        state[scope] = snapshot.components.isEmpty && snapshot.keyValues.isEmpty ? nil : snapshot
    }
}
