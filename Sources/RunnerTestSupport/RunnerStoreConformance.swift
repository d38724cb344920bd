import Foundation
public import RunnerCore
import Testing

/// The behaviour every ``RunnerStore`` must show, as one reusable suite.
///
/// Each backend's test target runs every ``Check`` on stores made by its own factory, a new
/// store per check:
///
/// ```swift
/// @Test(arguments: RunnerStoreConformance.Check.allCases)
/// func conformance(_ check: RunnerStoreConformance.Check) async throws {
///     try await RunnerStoreConformance { InMemoryRunnerStore() }.run(check)
/// }
/// ```
///
/// Failures are recorded with Swift Testing's `#expect` and `#require`, so this must run
/// inside a test. The checks pin down what the protocol's documentation leaves to the
/// implementation:
///
/// - Times are kept to the millisecond at least; the suite only uses whole milliseconds.
/// - A resume record is live while `now < expiresAt`; dedupe leases and retention end when
///   `until <= now`.
/// - The resume compare-and-swap compares revisions only: a record that expired can still be
///   updated or deleted by the holder of its current revision. Expiry matters for loads and
///   for inserts (`expectedRevision == nil`), which judge it at the new record's `createdAt`
///   (a ``RunCommit`` carries no `now`).
/// - An insert over an expired record continues its revision (old + 1), so a run still holding
///   the old revision cannot overwrite the new record; after a purge or a delete, an insert
///   starts again at 1.
/// - A commit's checks come in order: resume revision, then the dedupe claim. An outbox id
///   that is already queued fails the whole commit with `.backend`.
/// - Outbox messages are due when `nextAttemptAt <= now` and lease in (`createdAt`,
///   `sequence`, `id`) order, one head per conversation; a lease counts no attempt, starting a
///   send does; every lease has a new token that fences starting and finishing; a send whose
///   lease ran out is dead-lettered as an unknown outcome (or resent, when asked).
/// - Inbox events lease in (`receivedAt`, `id`) order, one head per session; each lease counts
///   an attempt; an acceptance writes nothing for an entry whose dedupe key is live.
/// - Snapshots round-trip exactly, including 100 levels of nesting.
public struct RunnerStoreConformance: Sendable {
    /// Makes a new, empty store.
    public typealias Factory = @Sendable () async throws -> any RunnerStore

    /// One check of the suite.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        // Resume records
        case resumeMissingIsNil
        case resumeInsertThenLoad
        case resumeSecondInsertConflicts
        case resumeUpdateWithRightRevision
        case resumeStaleUpdateWritesNothing
        case resumeUpdateOfMissingRecordConflicts
        case resumeDeleteWithRightRevision
        case resumeDeleteWithWrongRevisionConflicts
        case resumeExpiredIsNotLoaded
        case resumeInsertOverExpiredRecord
        case resumeUpdateOfExpiredRecordByRevision
        case resumeKeysAreIndependent
        case resumeSnapshotRoundTrips
        // Component and key-value state
        case stateUnknownScopeIsEmpty
        case stateWritesLandByKind
        case stateNilDeletes
        case stateScopesAreIsolated
        case stateBinaryRoundTrips
        case stateRevisionAdvancesWithEveryWrite
        case stateOfIdleSessionsIsPurged
        case stateStaleRevisionConflictsAndWritesNothing
        case concurrentStateCommitsOneWins
        // Dedupe
        case dedupeClaimThenInProgress
        case dedupeCompletionReplaysResponse
        case dedupeReleaseAllowsReclaim
        case dedupeExpiredLeaseIsReclaimedAndClaimLost
        case dedupeCompletedPastRetentionIsClaimable
        case dedupeKeysAreIndependent
        case dedupeCompletionWithoutClaimFails
        case dedupeUnclaimedRecordsOnceAndReadsBack
        case dedupeUnclaimedDuplicateWritesNothing
        // Outbox
        case outboxCommitThenLease
        case outboxLeaseHonoursDueTimeLimitAndExclusions
        case outboxLeaseFindsAnotherTenantBehindOnesBacklog
        case outboxCommitLeasesItsRepliesToTheCommitter
        case outboxFinishOutcomes
        case outboxLeaseIsFencedByItsToken
        case outboxKeepsConversationOrderAcrossBatches
        case outboxAbandonedSendsAreNeverResentSilently
        case outboxDeadLettersPageAndReplay
        case outboxPurgesExpiredDeadLetters
        case outboxDuplicateIDFailsWholeCommit
        // Inbox
        case inboxAcceptThenLease
        case inboxDuplicatesAreNotAccepted
        case inboxAcceptanceLeasedToTheCaller
        case inboxKeepsSessionOrder
        case inboxLeasesOnlyTheHeadOfASession
        case inboxCompletionIsFencedByItsLease
        case inboxAcceptanceWritesItsOutboxAtomically
        // Timers
        case timerCursorStartsAtNowAndKeepsItsPlace
        case timerTicksAreAcceptedOnceInOrder
        case concurrentTimerTicksOneWins
        // Sessions (admin)
        case sessionsListLivePagesPerTenant
        case sessionsEraseOneUserOfOneTenantOnly
        // Purge
        case purgeRemovesOnlyExpired
        // Concurrency
        case concurrentInsertsOneWins
        case concurrentUpdatesOneWins
        case concurrentClaimsOneWins
        case concurrentUnclaimedAnswersOneWins
        case concurrentLeasesTakeEachMessageOnce
        case concurrentAcceptsOfOneEventOneWins
        case concurrentInboxLeasesTakeEachEventOnce

        public var description: String { rawValue }
    }

    /// Runs its body with a new, empty store that lives for the body's duration (a store whose
    /// connection pool must run beside its use, as PostgreSQL's).
    public typealias Scope = @Sendable (_ body: @Sendable (any RunnerStore) async throws -> Void) async throws -> Void

    private let withStore: Scope

    /// - Parameter makeStore: makes a new, empty store; called once per check.
    public init(makeStore: @escaping Factory) {
        self.withStore = { body in try await body(try await makeStore()) }
    }

    /// - Parameter withStore: runs its body with a new, empty store; called once per check.
    public init(withStore: @escaping Scope) {
        self.withStore = withStore
    }

    /// Runs every check, each on a new store.
    public func runAll() async throws {
        for check in Check.allCases {
            try await run(check)
        }
    }

    /// Runs one check on a new store.
    public func run(_ check: Check) async throws {
        try await withStore { store in try await self.run(check, on: store) }
    }

    private func run(_ check: Check, on store: any RunnerStore) async throws {
        switch check {
        case .resumeMissingIsNil: try await resumeMissingIsNil(store)
        case .resumeInsertThenLoad: try await resumeInsertThenLoad(store)
        case .resumeSecondInsertConflicts: try await resumeSecondInsertConflicts(store)
        case .resumeUpdateWithRightRevision: try await resumeUpdateWithRightRevision(store)
        case .resumeStaleUpdateWritesNothing: try await resumeStaleUpdateWritesNothing(store)
        case .resumeUpdateOfMissingRecordConflicts: try await resumeUpdateOfMissingRecordConflicts(store)
        case .resumeDeleteWithRightRevision: try await resumeDeleteWithRightRevision(store)
        case .resumeDeleteWithWrongRevisionConflicts: try await resumeDeleteWithWrongRevisionConflicts(store)
        case .resumeExpiredIsNotLoaded: try await resumeExpiredIsNotLoaded(store)
        case .resumeInsertOverExpiredRecord: try await resumeInsertOverExpiredRecord(store)
        case .resumeUpdateOfExpiredRecordByRevision: try await resumeUpdateOfExpiredRecordByRevision(store)
        case .resumeKeysAreIndependent: try await resumeKeysAreIndependent(store)
        case .resumeSnapshotRoundTrips: try await resumeSnapshotRoundTrips(store)
        case .stateUnknownScopeIsEmpty: try await stateUnknownScopeIsEmpty(store)
        case .stateWritesLandByKind: try await stateWritesLandByKind(store)
        case .stateNilDeletes: try await stateNilDeletes(store)
        case .stateScopesAreIsolated: try await stateScopesAreIsolated(store)
        case .stateBinaryRoundTrips: try await stateBinaryRoundTrips(store)
        case .stateRevisionAdvancesWithEveryWrite: try await stateRevisionAdvancesWithEveryWrite(store)
        case .stateOfIdleSessionsIsPurged: try await stateOfIdleSessionsIsPurged(store)
        case .stateStaleRevisionConflictsAndWritesNothing: try await stateStaleRevisionConflictsAndWritesNothing(store)
        case .concurrentStateCommitsOneWins: try await concurrentStateCommitsOneWins(store)
        case .dedupeClaimThenInProgress: try await dedupeClaimThenInProgress(store)
        case .dedupeCompletionReplaysResponse: try await dedupeCompletionReplaysResponse(store)
        case .dedupeReleaseAllowsReclaim: try await dedupeReleaseAllowsReclaim(store)
        case .dedupeExpiredLeaseIsReclaimedAndClaimLost: try await dedupeExpiredLeaseIsReclaimedAndClaimLost(store)
        case .dedupeCompletedPastRetentionIsClaimable: try await dedupeCompletedPastRetentionIsClaimable(store)
        case .dedupeKeysAreIndependent: try await dedupeKeysAreIndependent(store)
        case .dedupeCompletionWithoutClaimFails: try await dedupeCompletionWithoutClaimFails(store)
        case .dedupeUnclaimedRecordsOnceAndReadsBack: try await dedupeUnclaimedRecordsOnceAndReadsBack(store)
        case .dedupeUnclaimedDuplicateWritesNothing: try await dedupeUnclaimedDuplicateWritesNothing(store)
        case .outboxCommitThenLease: try await outboxCommitThenLease(store)
        case .outboxLeaseHonoursDueTimeLimitAndExclusions: try await outboxLeaseHonoursDueTimeLimitAndExclusions(store)
        case .outboxLeaseFindsAnotherTenantBehindOnesBacklog: try await outboxLeaseFindsAnotherTenantBehindOnesBacklog(store)
        case .outboxCommitLeasesItsRepliesToTheCommitter: try await outboxCommitLeasesItsRepliesToTheCommitter(store)
        case .outboxFinishOutcomes: try await outboxFinishOutcomes(store)
        case .outboxLeaseIsFencedByItsToken: try await outboxLeaseIsFencedByItsToken(store)
        case .outboxKeepsConversationOrderAcrossBatches: try await outboxKeepsConversationOrderAcrossBatches(store)
        case .outboxAbandonedSendsAreNeverResentSilently: try await outboxAbandonedSendsAreNeverResentSilently(store)
        case .outboxDeadLettersPageAndReplay: try await outboxDeadLettersPageAndReplay(store)
        case .outboxPurgesExpiredDeadLetters: try await outboxPurgesExpiredDeadLetters(store)
        case .outboxDuplicateIDFailsWholeCommit: try await outboxDuplicateIDFailsWholeCommit(store)
        case .inboxAcceptThenLease: try await inboxAcceptThenLease(store)
        case .inboxDuplicatesAreNotAccepted: try await inboxDuplicatesAreNotAccepted(store)
        case .inboxAcceptanceLeasedToTheCaller: try await inboxAcceptanceLeasedToTheCaller(store)
        case .inboxKeepsSessionOrder: try await inboxKeepsSessionOrder(store)
        case .inboxLeasesOnlyTheHeadOfASession: try await inboxLeasesOnlyTheHeadOfASession(store)
        case .inboxCompletionIsFencedByItsLease: try await inboxCompletionIsFencedByItsLease(store)
        case .inboxAcceptanceWritesItsOutboxAtomically: try await inboxAcceptanceWritesItsOutboxAtomically(store)
        case .timerCursorStartsAtNowAndKeepsItsPlace: try await timerCursorStartsAtNowAndKeepsItsPlace(store)
        case .timerTicksAreAcceptedOnceInOrder: try await timerTicksAreAcceptedOnceInOrder(store)
        case .concurrentTimerTicksOneWins: try await concurrentTimerTicksOneWins(store)
        case .sessionsListLivePagesPerTenant: try await sessionsListLivePagesPerTenant(store)
        case .sessionsEraseOneUserOfOneTenantOnly: try await sessionsEraseOneUserOfOneTenantOnly(store)
        case .purgeRemovesOnlyExpired: try await purgeRemovesOnlyExpired(store)
        case .concurrentInsertsOneWins: try await concurrentInsertsOneWins(store)
        case .concurrentUpdatesOneWins: try await concurrentUpdatesOneWins(store)
        case .concurrentClaimsOneWins: try await concurrentClaimsOneWins(store)
        case .concurrentUnclaimedAnswersOneWins: try await concurrentUnclaimedAnswersOneWins(store)
        case .concurrentLeasesTakeEachMessageOnce: try await concurrentLeasesTakeEachMessageOnce(store)
        case .concurrentAcceptsOfOneEventOneWins: try await concurrentAcceptsOfOneEventOneWins(store)
        case .concurrentInboxLeasesTakeEachEventOnce: try await concurrentInboxLeasesTakeEachEventOnce(store)
        }
    }
}

// MARK: - Fixtures and helpers shared by the checks

/// Values the checks build on. Times are whole milliseconds after a fixed origin.
enum Fixture {
    static let originMS: Int64 = 1_700_000_000_000

    /// The instant `offsetMS` milliseconds after the origin.
    static func at(_ offsetMS: Int64) -> Date {
        Date(timeIntervalSince1970: Double(originMS + offsetMS) / 1000)
    }

    static func resumeKey(tenant: String = "tenant-a", session: String = "telegram:chat:42", flow: String = "support") -> ResumeKey {
        ResumeKey(tenant: tenant, sessionKey: session, flowID: flow)
    }

    static func record(
        _ key: ResumeKey = resumeKey(),
        nextNode: String = "ask-name",
        reason: String? = "waiting for the user's reply",
        snapshot: JSONValue = ["flow_id": "support", "next_node": "ask-name", "state": ["input": ["text": "hi"]]],
        createdAt: Int64 = 0,
        expiresAt: Int64 = 60_000
    ) -> ResumeRecord {
        ResumeRecord(
            key: key,
            packDigest: "sha256:0123456789abcdef",
            flowHash: "flowhash-1",
            nextNode: nextNode,
            reason: reason,
            snapshot: snapshot,
            createdAt: at(createdAt),
            expiresAt: at(expiresAt)
        )
    }

    static func scope(tenant: String = "tenant-a", pack: String = "pack-a", session: String = "telegram:chat:42") -> StateScope {
        StateScope(tenant: tenant, pack: pack, session: session)
    }

    static func write(_ scope: StateScope, _ kind: StateKey.Kind, _ name: String, _ value: [UInt8]?) -> StateWrite {
        StateWrite(key: StateKey(scope: scope, kind: kind, name: name), value: value)
    }

    /// A write in the default ``scope(tenant:pack:session:)``.
    static func write(_ kind: StateKey.Kind, _ name: String, _ value: [UInt8]?) -> StateWrite {
        write(scope(), kind, name, value)
    }

    static func dedupeKey(tenant: String = "tenant-a", namespace: String = "telegram", id: String = "update-1001") -> DedupeKey {
        DedupeKey(tenant: tenant, namespace: namespace, id: id)
    }

    /// A message in its own conversation unless `conversation` says otherwise.
    static func outbox(
        _ id: String,
        createdAt: Int64 = 0,
        sequence: Int = 0,
        nextAttemptAt: Int64? = nil,
        tenant: String = "tenant-a",
        conversation: String? = nil
    ) -> OutboxMessage {
        OutboxMessage(
            id: id,
            tenant: tenant,
            target: ReplyTarget(
                provider: "telegram",
                conversation: conversation ?? "chat-\(id)",
                address: ["chat_id": .int(-1_002_003_004_005), "thread": .string(conversation ?? id)]
            ),
            message: ["text": .string("Bonjour 👋 — \(id)"), "parse_mode": nil, "buttons": [["ok", 1.5]]],
            createdAt: at(createdAt),
            sequence: sequence,
            nextAttemptAt: nextAttemptAt.map(at)
        )
    }

    static let response = StoredResponse(
        status: 202,
        headers: ["content-type": "application/json", "x-note": "déjà vu ✓"],
        body: [0x7B, 0x00, 0xFF, 0x7D]
    )
}

extension RunnerStoreConformance {
    /// Records an issue unless `body` throws a ``StoreError`` with `code`.
    func expectStoreError(
        _ code: StoreError.Code,
        _ comment: Comment? = nil,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record(
                "expected StoreError \(code), but the call succeeded. \(comment?.description ?? "")",
                sourceLocation: sourceLocation
            )
        } catch let error as StoreError {
            #expect(error.code == code, comment, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Leases outbox messages (abandoned sends are dead-lettered) and returns their ids.
    func leaseIDs(
        _ store: any RunnerStore,
        now: Int64,
        limit: Int = 10,
        leaseUntil: Int64
    ) async throws -> [String] {
        try await lease(store, now: now, limit: limit, leaseUntil: leaseUntil).leases.map(\.id)
    }

    /// Leases outbox messages; abandoned sends are dead-lettered until 1 000 000 ms.
    func lease(
        _ store: any RunnerStore,
        now: Int64,
        limit: Int = 10,
        leaseUntil: Int64,
        maxPerTenant: Int = .max,
        room: [String: Int] = [:]
    ) async throws -> OutboxLeaseBatch {
        try await store.leaseOutbox(
            OutboxLeaseRequest(
                now: Fixture.at(now),
                limit: limit,
                leaseUntil: Fixture.at(leaseUntil),
                maxPerTenant: maxPerTenant,
                tenantRoom: room,
                abandoned: .deadLetter(retainUntil: Fixture.at(1_000_000))
            )
        )
    }

    /// The token of a claim that must succeed.
    func claimToken(
        _ store: any RunnerStore,
        _ key: DedupeKey,
        leaseUntil: Int64,
        now: Int64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ClaimToken {
        let claim = try await store.claim(key, leaseUntil: Fixture.at(leaseUntil), now: Fixture.at(now))
        guard case .claimed(let token) = claim else {
            Issue.record("expected .claimed, got \(claim)", sourceLocation: sourceLocation)
            throw ConformanceFailure()
        }
        return token
    }
}

/// Thrown to end a check whose precondition failed (the issue was already recorded).
struct ConformanceFailure: Error {}
