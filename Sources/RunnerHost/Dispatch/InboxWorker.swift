internal import Foundation
internal import Logging
internal import RunnerCore
internal import ServiceLifecycle

/// Runs accepted events: those requests hand over (``InboxQueue``) and, on a poll, those left
/// in the store by a busy moment, a crash or another node.
///
/// At most ``InboxQueue/capacity`` events run at once; the store's leases keep a session's
/// events in order and give each event to one holder at a time. On graceful shutdown it stops
/// taking events, lets the running ones finish and gives the ones it had not started back to
/// the store.
final class InboxWorker: Service, Sendable {
    /// Tuning.
    struct Configuration: Sendable, Hashable {
        /// How often the store is polled for events (default 1 s).
        var pollIntervalMs: Int = 1000
        /// How long a leased event is reserved for one run (longer than the flow timeout).
        var leaseMs: Int = 90_000
        /// Runs that ended without an outcome (the process died or hung) after which an event
        /// is given up as poison (default 5).
        var maxAttempts: Int = 5
        /// How long after its arrival an event that cannot run yet (tenant not loaded, store or
        /// provider API unavailable) keeps being retried before it is given up (default 24 h).
        var retryWindowSeconds: Int = 86_400
        /// Events running at once (default 16).
        var concurrency: Int = 16
    }

    private let queue: InboxQueue
    private let deferredReleases: DeferredReleases
    private let processor: EventProcessor
    private let store: any RunnerStore
    private let configuration: Configuration
    private let isReady: @Sendable () -> Bool
    private let now: @Sendable () -> Date
    private let logger: Logger

    init(
        queue: InboxQueue,
        deferredReleases: DeferredReleases,
        processor: EventProcessor,
        store: any RunnerStore,
        configuration: Configuration,
        isReady: @escaping @Sendable () -> Bool,
        now: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.queue = queue
        self.deferredReleases = deferredReleases
        self.processor = processor
        self.store = store
        self.configuration = configuration
        self.isReady = isReady
        self.now = now
        self.logger = logger
    }

    func run() async throws {
        let queue = self.queue
        let interval = Duration.milliseconds(configuration.pollIntervalMs)
        await withTaskGroup(of: Void.self) { outer in
            outer.addTask {
                // Ends quietly when the loop below finishes and cancels it.
                while (try? await Task.sleep(for: interval)) != nil {
                    queue.nudge()
                }
            }
            await runLoop()
            outer.cancelAll()
        }
    }

    private func runLoop() async {
        var waiting: [InboxLease] = []
        var running = 0
        // The last poll filled every free slot, so the store may hold more: poll again as soon
        // as a quarter of the slots are free instead of waiting for the next tick (a backlog
        // drains at the speed of the runs, not one batch per poll interval, and each lease
        // still takes several events).
        var backlog = false
        let refill = max(1, queue.capacity / 4)
        // Discarding: a plain task group keeps every finished child until it is awaited, so a
        // long-running worker would hold every run it ever started.
        await withDiscardingTaskGroup { group in
            func start(_ lease: InboxLease) {
                running += 1
                group.addTask { [processor, queue] in
                    await processor.process(lease)
                    queue.finish()
                }
            }
            func pollAndStart() async {
                if deferredReleases.count > 0 { await deferredReleases.retry(store: store, now: now()) }
                let room = queue.capacity - running - waiting.count
                guard room > 0, isReady() else { return }
                let leases = await poll(limit: room)
                backlog = leases.count == room
                for lease in leases {
                    queue.occupy()
                    start(lease)
                }
            }
            for await signal in queue.signals.cancelOnGracefulShutdown() {
                switch signal {
                case .submitted(let lease):
                    if running < queue.capacity { start(lease) } else { waiting.append(lease) }
                case .finished:
                    running -= 1
                    if !waiting.isEmpty {
                        start(waiting.removeFirst())
                    } else if backlog, running == 0 || queue.capacity - running >= refill {
                        await pollAndStart()
                    }
                case .tick:
                    await pollAndStart()
                }
            }
            // Shutting down: events not started go back to the store for the next holder.
            for lease in waiting {
                _ = try? await store.releaseInbox(id: lease.event.id, token: lease.token, retryAt: now(), error: "the runner shut down")
            }
        }
    }

    private func poll(limit: Int) async -> [InboxLease] {
        let now = self.now()
        do {
            return try await store.leaseInbox(
                now: now,
                limit: limit,
                leaseUntil: now.addingTimeInterval(Double(configuration.leaseMs) / 1000)
            )
        } catch {
            logger.error("leasing accepted events failed", metadata: ["error": .string(error.description)])
            return []
        }
    }
}
