internal import Dispatch
internal import Foundation
internal import Synchronization

/// Why the watchdog interrupted a call.
enum InterruptReason: Sendable, Equatable {
    /// The call passed its wall-clock deadline.
    case timeout
    /// The runtime is shutting down.
    case shutdown
}

/// One thread that enforces wall-clock deadlines on guest calls by zeroing their store's fuel.
///
/// A worker registers a call with ``begin(deadline:interrupter:)`` and unregisters it with
/// ``end(_:)``, which reports whether (and why) the call was interrupted; the worker must then
/// report the resulting trap as that reason, not as out-of-fuel. The thread sleeps until the
/// earliest registered deadline (woken early when an earlier one is registered).
///
/// Interrupts are level-triggered: WasmKit charges fuel with a plain read-modify-write
/// (`remaining = remaining - cost`), so a single zeroing write that lands between the
/// interpreter's load and store is lost (this was observed: a spinning guest survived its
/// deadline). The watchdog therefore re-zeroes an interrupted call's fuel every
/// ``retryNanoseconds`` until the worker ends the call, and after ``stop()`` it keeps running
/// until every registered call has ended.
final class Watchdog: Sendable {
    private struct Watch {
        let deadline: UInt64
        let interrupter: FuelInterrupter
        var reason: InterruptReason?
    }

    private struct State {
        var watches: [UInt64: Watch] = [:]
        var nextToken: UInt64 = 0
        var stopped = false
        /// The deadline the thread is currently sleeping towards (`.max` = indefinitely).
        var sleepingUntil: UInt64 = .max
    }

    /// How often an interrupted call's fuel is zeroed again while it is still running.
    static let retryNanoseconds: UInt64 = 1_000_000

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    /// Starts the watchdog thread; it runs until ``stop()``.
    init() {
        let thread = Thread { [self] in
            Thread.current.name = "wasm-watchdog"
            self.run()
        }
        thread.start()
    }

    /// The current time on the watchdog's clock (monotonic nanoseconds).
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// A deadline `milliseconds` from now (saturating; at least 1 ms).
    static func deadline(afterMilliseconds milliseconds: Int) -> UInt64 {
        let (nanos, overflow) = UInt64(max(1, milliseconds)).multipliedReportingOverflow(by: 1_000_000)
        let (deadline, overflow2) = now().addingReportingOverflow(nanos)
        return overflow || overflow2 ? .max : deadline
    }

    /// Registers a running call. If the runtime is already shutting down, the call is interrupted
    /// immediately (the caller set the fuel before calling this, so nothing can undo it).
    func begin(deadline: UInt64, interrupter: FuelInterrupter) -> UInt64 {
        let (token, shouldWake) = state.withLock { state -> (UInt64, Bool) in
            let token = state.nextToken
            state.nextToken += 1
            var watch = Watch(deadline: deadline, interrupter: interrupter, reason: nil)
            if state.stopped {
                watch.reason = .shutdown
                interrupter.interrupt()
            }
            state.watches[token] = watch
            guard deadline < state.sleepingUntil else { return (token, false) }
            state.sleepingUntil = deadline
            return (token, true)
        }
        if shouldWake { wakeup.signal() }
        return token
    }

    /// Unregisters a call; returns why it was interrupted, or `nil` if it was not.
    func end(_ token: UInt64) -> InterruptReason? {
        state.withLock { $0.watches.removeValue(forKey: token)?.reason }
    }

    /// Interrupts every registered call (reason `.shutdown`); the thread exits once they have all
    /// ended. Idempotent.
    func stop() {
        state.withLock { state in
            state.stopped = true
            for token in state.watches.keys where state.watches[token]?.reason == nil {
                state.watches[token]?.reason = .shutdown
                state.watches[token]?.interrupter.interrupt()
            }
        }
        wakeup.signal()
    }

    private func run() {
        while true {
            let now = Self.now()
            let next: UInt64? = state.withLock { state in
                if state.stopped && state.watches.isEmpty { return nil }
                let retry = now &+ Self.retryNanoseconds
                var earliest = UInt64.max
                for token in state.watches.keys {
                    guard let watch = state.watches[token] else { continue }
                    if watch.reason != nil {
                        watch.interrupter.interrupt()  // level-triggered: see the type's docs
                        earliest = min(earliest, retry)
                    } else if watch.deadline <= now {
                        state.watches[token]?.reason = .timeout
                        watch.interrupter.interrupt()
                        earliest = min(earliest, retry)
                    } else {
                        earliest = min(earliest, watch.deadline)
                    }
                }
                state.sleepingUntil = earliest
                return earliest
            }
            guard let next else { return }
            if next == .max {
                wakeup.wait()
            } else {
                _ = wakeup.wait(timeout: DispatchTime(uptimeNanoseconds: next))
            }
        }
    }
}
