public import Foundation

/// One tick of a tenant's timer schedule: recorded with its event by
/// ``RunnerStore/accept(_:now:)`` only if no node recorded it (or a later tick) before, which is
/// what makes each tick run once across a cluster.
public struct TimerTick: Sendable, Hashable {
    public var tenant: String
    /// The schedule's id in the tenant's bindings.
    public var scheduleID: String
    /// The scheduled time of the tick (not when it was noticed).
    public var at: Date

    public init(tenant: String, scheduleID: String, at: Date) {
        self.tenant = tenant
        self.scheduleID = scheduleID
        self.at = at
    }
}
