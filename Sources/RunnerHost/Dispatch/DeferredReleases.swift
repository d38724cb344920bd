internal import Foundation
internal import RunnerCore
internal import Synchronization

/// Releases of inbox events that failed because the store was unavailable, tried again on the
/// inbox worker's polls while their lease lasts. A release takes back its lease's attempt, so
/// an outage shorter than the lease is not counted as a run that died.
final class DeferredReleases: Sendable {
    struct Entry: Sendable {
        let lease: InboxLease
        let retryAt: Date
        let error: String
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Keeps `entry` to try again.
    func add(_ entry: Entry) {
        entries.withLock { $0[entry.lease.event.id] = entry }
    }

    /// How many wait.
    var count: Int { entries.withLock { $0.count } }

    /// Tries every waiting release again; keeps those the store still refuses while their
    /// lease lasts (a lease that ran out is the store's to hand out again).
    func retry(store: any RunnerStore, now: Date) async {
        let waiting = entries.withLock { $0 }
        for (id, entry) in waiting {
            let done: Bool
            if entry.lease.leaseUntil <= now {
                done = true
            } else {
                do {
                    _ = try await store.releaseInbox(id: id, token: entry.lease.token, retryAt: entry.retryAt, error: entry.error)
                    done = true
                } catch {
                    done = false
                }
            }
            if done { entries.withLock { _ = $0.removeValue(forKey: id) } }
        }
    }
}
