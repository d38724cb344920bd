public import Foundation

/// Everything one flow run changes, applied atomically by ``RunnerStore/commit(_:)``.
public struct RunCommit: Sendable {
    /// What happens to the run's resume record.
    public enum ResumeChange: Sendable, Hashable {
        /// Leave it alone.
        case none
        /// Insert (`expectedRevision == nil`: there must be no live record) or replace the
        /// record whose revision is `expectedRevision`. An expired record counts as absent.
        case save(ResumeRecord, expectedRevision: Int64?)
        /// Delete the record whose revision is `expectedRevision`.
        case delete(ResumeKey, expectedRevision: Int64)
    }

    /// Records an event's answer under its dedupe key, so redeliveries replay it.
    public struct DedupeCompletion: Sendable, Hashable {
        /// How the run came to hold the key.
        public enum Hold: Sendable, Hashable {
            /// The run claimed the key first (``RunnerStore/claim(_:leaseUntil:now:)``): the
            /// token must still hold the `processing` row, else the commit fails with
            /// ``StoreError/Code/claimLost``.
            case claimed(ClaimToken)
            /// The run did not claim the key (nothing it did before its commit reaches outside
            /// the store, so a duplicate running alongside costs only work): the answer is
            /// recorded unless at `now` the key is live (`processing` with a live lease, or
            /// `done` and retained), which fails the commit with ``StoreError/Code/duplicate``.
            case unclaimed(now: Date)
        }

        public var key: DedupeKey
        public var hold: Hold
        public var response: StoredResponse
        public var retainUntil: Date

        public init(key: DedupeKey, hold: Hold, response: StoredResponse, retainUntil: Date) {
            self.key = key
            self.hold = hold
            self.response = response
            self.retainUntil = retainUntil
        }

        /// A completion of the claim `token` holds.
        public init(key: DedupeKey, token: ClaimToken, response: StoredResponse, retainUntil: Date) {
            self.init(key: key, hold: .claimed(token), response: response, retainUntil: retainUntil)
        }
    }

    /// Completes a leased inbox event: its run is done (the row goes) or failed for good.
    public struct InboxCompletion: Sendable, Hashable {
        public enum Outcome: Sendable, Hashable {
            /// The event ran; it is removed.
            case done
            /// The event cannot run (its flow failed, or it gave up): kept until `retainUntil`.
            case failed(error: String, retainUntil: Date)
        }

        public var id: String
        public var token: ClaimToken
        public var outcome: Outcome

        public init(id: String, token: ClaimToken, outcome: Outcome) {
            self.id = id
            self.token = token
            self.outcome = outcome
        }
    }

    /// Leases the commit's replies to the committing node, so it sends them without leasing
    /// them from the store again (``RunnerStore/commit(_:)`` returns the leases).
    public struct ReplyLease: Sendable, Hashable {
        /// The leases end here.
        public var until: Date
        /// Most replies leased.
        public var limit: Int

        public init(until: Date, limit: Int) {
            self.until = until
            self.limit = limit
        }
    }

    public var resume: ResumeChange
    public var stateWrites: [StateWrite]
    /// The revision of each state scope as the run read it: the commit fails with
    /// ``StoreError/Code/revisionConflict`` when another commit changed one in between. Every
    /// scope listed here or written by ``stateWrites`` gets its revision incremented.
    public var stateRevisions: [StateScope: Int64]
    public var dedupe: DedupeCompletion?
    /// The inbox event this run processed; its lease must still be held.
    public var inbox: InboxCompletion?
    /// Replies to deliver, queued atomically with the rest.
    public var outbox: [OutboxMessage]
    /// Lease the replies that can go at once to the caller (see ``ReplyLease``); `nil` queues
    /// them all for ``RunnerStore/leaseOutbox(_:)``.
    public var replyLease: ReplyLease?
    /// When the run committed: stamps the state scopes it touches, so session state written
    /// longer ago than the session TTL can be purged (``RunnerStore/purgeExpired(now:idleStateBefore:)``).
    /// `nil` leaves their stamps as they were.
    public var committedAt: Date?

    public init(
        resume: ResumeChange = .none,
        stateWrites: [StateWrite] = [],
        stateRevisions: [StateScope: Int64] = [:],
        dedupe: DedupeCompletion? = nil,
        inbox: InboxCompletion? = nil,
        outbox: [OutboxMessage] = [],
        replyLease: ReplyLease? = nil,
        committedAt: Date? = nil
    ) {
        self.replyLease = replyLease
        self.committedAt = committedAt
        self.inbox = inbox
        self.resume = resume
        self.stateWrites = stateWrites
        self.stateRevisions = stateRevisions
        self.dedupe = dedupe
        self.outbox = outbox
    }

    /// Whether committing this would change nothing.
    public var isEmpty: Bool {
        resume == .none && stateWrites.isEmpty && stateRevisions.isEmpty && dedupe == nil && inbox == nil && outbox.isEmpty
    }

    /// The scopes whose revision this commit increments: those checked and those written.
    public var touchedScopes: Set<StateScope> {
        Set(stateRevisions.keys).union(stateWrites.map(\.key.scope))
    }
}
