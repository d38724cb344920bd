internal import Synchronization

/// Runs work one at a time per key within this process (an async mutex per key, FIFO).
///
/// Used to queue the events of a conversation that lost a compare-and-swap (keyed by tenant and
/// session key: the losers run again one after another instead of retrying against each other;
/// the store's compare-and-swap still decides between processes), and to restore an older pack
/// version from the cache once however many paused conversations ask for it at the same time.
final class KeyedSerializer: Sendable {
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
