internal import Synchronization

/// A wake-up for one waiter at a time: ``ring()`` wakes the task in ``wait()``, or, when none
/// waits, the next call to it. Rings made while nobody waits coalesce into one.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Wakes the waiter, or the next one.
    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns after a ring, at once if one is pending, or when the task is cancelled. A
    /// second waiter replaces (and wakes) the first.
    func wait() async {
        let id = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (now, replaced) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return (true, nil)
                    }
                    let replaced = state.waiter?.continuation
                    state.waiter = (id, continuation)
                    return (false, replaced)
                }
                replaced?.resume()
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume()
        }
    }
}
