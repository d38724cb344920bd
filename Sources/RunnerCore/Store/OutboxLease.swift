public import Foundation

/// An outbox message leased for delivery, with the token that fences the lease.
///
/// Only the holder of the current token can start the send
/// (``RunnerStore/startDelivery(_:now:)``) and record its outcome
/// (``RunnerStore/finishOutbox(_:outcome:now:)``); leasing the message again gives a new token,
/// so a holder whose lease ran out can do neither.
public struct OutboxLease: Sendable, Hashable {
    public var message: OutboxMessage
    public var token: ClaimToken
    /// The lease ends here; a send must not start when it could outlast it.
    public var leaseUntil: Date

    public init(message: OutboxMessage, token: ClaimToken, leaseUntil: Date) {
        self.message = message
        self.token = token
        self.leaseUntil = leaseUntil
    }

    public var id: String { message.id }
}

/// The result of ``RunnerStore/leaseOutbox(_:)``.
public struct OutboxLeaseBatch: Sendable, Hashable {
    /// Messages leased to the caller, oldest first, at most one per conversation.
    public var leases: [OutboxLease]
    /// Messages whose send was started by a holder whose lease ran out before it recorded an
    /// outcome (it crashed or stalled mid-send): the provider may or may not have them. They
    /// were dead-lettered, or made due again, as the request's policy said.
    public var abandoned: [OutboxMessage]

    public init(leases: [OutboxLease] = [], abandoned: [OutboxMessage] = []) {
        self.leases = leases
        self.abandoned = abandoned
    }
}

/// What ``RunnerStore/leaseOutbox(_:)`` takes.
public struct OutboxLeaseRequest: Sendable, Hashable {
    /// What happens to a send whose holder's lease ran out before it recorded an outcome.
    public enum AbandonedSends: Sendable, Hashable {
        /// Dead-letter it (retained until the date), so it is never sent twice.
        case deadLetter(retainUntil: Date)
        /// Make it due again: at least once, possibly twice.
        case resend
    }

    public var now: Date
    /// Most messages to lease.
    public var limit: Int
    public var leaseUntil: Date
    /// Most messages of any one tenant in this lease (its concurrency cap).
    public var maxPerTenant: Int
    /// Tenants that already hold leases get less: their remaining room (0 leaves them out).
    public var tenantRoom: [String: Int]
    public var abandoned: AbandonedSends

    public init(
        now: Date,
        limit: Int,
        leaseUntil: Date,
        maxPerTenant: Int = .max,
        tenantRoom: [String: Int] = [:],
        abandoned: AbandonedSends
    ) {
        self.now = now
        self.limit = limit
        self.leaseUntil = leaseUntil
        self.maxPerTenant = maxPerTenant
        self.tenantRoom = tenantRoom
        self.abandoned = abandoned
    }

    /// How many more messages of `tenant` this lease may take.
    public func room(for tenant: String) -> Int {
        min(maxPerTenant, tenantRoom[tenant] ?? maxPerTenant)
    }

    /// Tenants this lease leaves out entirely.
    public var fullTenants: [String] {
        tenantRoom.filter { $0.value <= 0 }.keys.sorted()
    }
}
