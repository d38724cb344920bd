internal import RunnerCore
internal import Synchronization

/// The hand-off between the requests that accept events and the ``InboxWorker`` that runs them.
///
/// A request that accepted an event leased to itself submits the lease here, so the event runs
/// at once without another trip to the store; when the worker is busy the request leaves the
/// event in the store instead (``hasCapacity``), and the worker's poll takes it later (or another
/// node does).
final class InboxQueue: Sendable {
    enum Signal: Sendable {
        case submitted(InboxLease)
        case finished
        case tick
    }

    let signals: AsyncStream<Signal>
    private let continuation: AsyncStream<Signal>.Continuation
    /// Most events run at once.
    let capacity: Int
    /// Events running or waiting in memory.
    private let occupied = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        (signals, continuation) = AsyncStream.makeStream(of: Signal.self)
    }

    /// Whether a submitted event would start soon.
    var hasCapacity: Bool { occupied.load(ordering: .relaxed) < capacity }

    /// Hands a lease held by this process to the worker.
    func submit(_ lease: InboxLease) {
        occupied.add(1, ordering: .relaxed)
        continuation.yield(.submitted(lease))
    }

    /// Asks the worker to look in the store now.
    func nudge() {
        continuation.yield(.tick)
    }

    /// Records that a submitted or polled event finished.
    func finish() {
        occupied.subtract(1, ordering: .relaxed)
        continuation.yield(.finished)
    }

    /// Counts an event the worker leased itself.
    func occupy() {
        occupied.add(1, ordering: .relaxed)
    }

    /// Events running or waiting now.
    var load: Int { occupied.load(ordering: .relaxed) }
}
