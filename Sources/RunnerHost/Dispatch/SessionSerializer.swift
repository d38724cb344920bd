internal import Synchronization

/// Runs the events of one conversation one at a time within this process.
///
/// Concurrent events of one session would otherwise all run their flow, and all but one would
/// lose the compare-and-swap and run again: wasted Wasm work, and under a burst some could
/// exhaust their retries. Serialising per (tenant, session key) makes them queue instead; the
/// store's compare-and-swap still guards against other processes sharing the store.
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
