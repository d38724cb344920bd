internal import Synchronization

/// Queues, one at a time within this process, the events of a conversation that lost a
/// compare-and-swap.
///
/// Events run optimistically; when a burst of events of one session keeps changing its state,
/// the losers would otherwise retry against each other and some could exhaust their attempts.
/// Queued per (tenant, session key), they run again one after another instead. The store's
/// compare-and-swap still decides between processes.
final class SessionSerializer: Sendable {
    /// Holders and waiters per key; a key is present while someone holds it.
    private let waiters = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    /// Runs `body` once no other `run` for `key` is in progress.
    func run<T: Sendable>(_ key: String, _ body: () async -> T) async -> T {
        await acquire(key)
        let result = await body()
        release(key)
        return result
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = waiters.withLock { waiters -> Bool in
                guard waiters[key] != nil else {
                    waiters[key] = []
                    return true
                }
                waiters[key, default: []].append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    private func release(_ key: String) {
        let next = waiters.withLock { waiters -> CheckedContinuation<Void, Never>? in
            guard var queue = waiters[key], !queue.isEmpty else {
                waiters[key] = nil
                return nil
            }
            let first = queue.removeFirst()
            waiters[key] = queue
            return first
        }
        next?.resume()
    }
}
