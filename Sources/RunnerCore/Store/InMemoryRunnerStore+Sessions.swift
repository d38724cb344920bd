public import Foundation

extension InMemoryRunnerStore {
    /// The expiry an erased resume record is given.
    static let erasedExpiry = Date(timeIntervalSince1970: 0)

    public func tenantCounts(now: Date) -> [String: TenantCounts] {
        var counts: [String: TenantCounts] = [:]
        for record in resumeRecords.values where now < record.expiresAt {
            counts[record.key.tenant, default: .init()].pausedSessions += 1
        }
        for entry in outbox.values {
            switch entry.state {
            case .pending, .leased, .sending: counts[entry.message.tenant, default: .init()].outboxPending += 1
            case .dead, .failed: counts[entry.message.tenant, default: .init()].outboxDead += 1
            }
        }
        return counts
    }

    public func pausedSessions(tenant: String, after: PausedSessionPage.Cursor?, limit: Int, now: Date) -> PausedSessionPage {
        let records = resumeRecords.values
            .filter { record in
                record.key.tenant == tenant && now < record.expiresAt
                    && after.map { (record.key.sessionKey, record.key.flowID) > ($0.sessionKey, $0.flowID) } ?? true
            }
            .sorted { ($0.key.sessionKey, $0.key.flowID) < ($1.key.sessionKey, $1.key.flowID) }
        let page = Array(records.prefix(max(0, limit)))
        let next =
            records.count > page.count
            ? page.last.map { PausedSessionPage.Cursor(sessionKey: $0.key.sessionKey, flowID: $0.key.flowID) } : nil
        return PausedSessionPage(sessions: page, next: next)
    }

    @discardableResult
    public func eraseSessions(tenant: String, _ selector: SessionSelector) throws(StoreError) -> SessionErasure {
        var erasure = SessionErasure()
        // A resume record is emptied and expired (at the epoch), not removed: its revision
        // keeps counting, so a run that loaded it before cannot write it back. The janitor
        // removes it later like any expired record.
        for (key, record) in resumeRecords
        where key.tenant == tenant && selector.matches(key.sessionKey) && record.expiresAt > Self.erasedExpiry {
            var erased = record
            erased.snapshot = .null
            erased.reason = nil
            erased.expiresAt = Self.erasedExpiry
            erased.revision = try StoreError.nextRevision(after: record.revision)
            resumeRecords[key] = erased
            erasure.resumeRecords += 1
        }
        for scope in Set(state.keys).union(stateRevisions.keys) where scope.tenant == tenant && selector.matches(scope.session) {
            state[scope] = nil
            stateRevisions[scope] = try StoreError.nextRevision(after: stateRevisions[scope] ?? 0)
            erasure.stateScopes += 1
        }
        return erasure
    }
}
