internal import Foundation
internal import RunnerCore

/// What the event processor asks of the outbox dispatcher after a run: the lease its commit
/// should take on the run's replies, and what to do with the replies it queued.
///
/// A reply leased in the run's commit goes to this node's dispatcher directly (one lease
/// transaction and one trip through the store fewer per reply); one that was not (no slot
/// free, or it waits behind an undelivered message of its conversation) is left to the
/// dispatcher's next lease, which the nudge asks for.
struct ReplyHandOff: Sendable {
    /// The lease for a commit of `tenant`'s replies, or `nil` to queue them for a lease.
    var lease: @Sendable (_ tenant: String, _ now: Date) -> RunCommit.ReplyLease?
    /// Sends replies the commit leased to this node.
    var deliver: @Sendable (_ leases: [OutboxLease]) -> Void
    /// Wakes the dispatcher after a commit queued replies of `tenant` that it did not lease.
    var nudge: @Sendable (_ tenant: String) -> Void

    /// Hands the leased replies over and nudges for the rest.
    func queued(replies: Int, leased: [OutboxLease], tenant: String) {
        deliver(leased)
        if replies > leased.count { nudge(tenant) }
    }
}

extension ReplyHandOff {
    /// The hand-off to `dispatcher`.
    init(_ dispatcher: OutboxDispatcher) {
        self.init(
            lease: { dispatcher.replyLease(for: $0, now: $1) },
            deliver: { dispatcher.handOff($0) },
            nudge: { dispatcher.nudge(tenant: $0) }
        )
    }
}
