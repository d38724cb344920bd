internal import Foundation
internal import Logging
internal import RunnerCore
public import ServiceLifecycle

/// Delivers queued replies from the durable outbox, with retry, backoff and dead letters.
///
/// Runs as a `Service`: it drains the outbox when nudged after a commit and on a poll tick
/// (so messages left by a crash or another node are picked up). Messages are leased, so
/// several runner nodes sharing a store never send one twice; a lease that expires (a node
/// died mid-send) makes the message due again. Messages for one address are sent in order.
public final class OutboxDispatcher: Service, Sendable {
    /// Delivery tuning.
    public struct Configuration: Sendable, Hashable {
        /// How often the outbox is polled when nobody nudges (default 1 s).
        public var pollIntervalMs: Int
        /// How long a leased message is reserved for one attempt (default 60 s).
        public var leaseSeconds: Int
        /// Attempts before a message becomes a dead letter (default 8).
        public var maxAttempts: Int
        /// Messages leased per round (default 32).
        public var batchSize: Int

        public init(pollIntervalMs: Int = 1000, leaseSeconds: Int = 60, maxAttempts: Int = 8, batchSize: Int = 32) {
            self.pollIntervalMs = pollIntervalMs
            self.leaseSeconds = leaseSeconds
            self.maxAttempts = maxAttempts
            self.batchSize = batchSize
        }
    }

    private let store: any RunnerStore
    private let senders: [String: any ReplySender]
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let loop = TriggeredLoop()

    init(
        store: any RunnerStore,
        senders: [String: any ReplySender],
        configuration: Configuration = .init(),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.store = store
        self.senders = senders
        self.configuration = configuration
        self.now = now
        self.logger = logger
    }

    /// The providers this dispatcher can deliver for.
    var providers: Set<String> { Set(senders.keys) }

    /// Asks for a drain as soon as possible (coalesced).
    func nudge() {
        loop.nudge()
    }

    public func run() async throws {
        try await loop.run(every: .milliseconds(configuration.pollIntervalMs)) { await drain() }
    }

    /// Delivers every due message; returns how many were delivered.
    @discardableResult
    func drain() async -> Int {
        var delivered = 0
        // Graceful shutdown stops taking new batches; a batch in progress finishes.
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let started = now()
            let batch: [OutboxMessage]
            do {
                batch = try await store.leaseOutbox(
                    now: started,
                    limit: configuration.batchSize,
                    leaseUntil: started.addingTimeInterval(Double(configuration.leaseSeconds))
                )
            } catch {
                logger.error("leasing outbox messages failed", metadata: ["error": .string(error.description)])
                return delivered
            }
            if batch.isEmpty { return delivered }
            var blocked: [JSONValue: Date] = [:]
            for message in batch {
                let key: JSONValue = .array([.string(message.tenant), .string(message.provider), message.address])
                let outcome: OutboxOutcome
                if let retryAt = blocked[key] {
                    outcome = .retry(at: retryAt, error: "waiting for an earlier message to the same address")
                } else {
                    outcome = await attempt(message)
                    if case .retry(let at, _) = outcome { blocked[key] = at }
                    if case .delivered = outcome { delivered += 1 }
                }
                do {
                    try await store.finishOutbox(id: message.id, outcome: outcome)
                } catch {
                    logger.error("recording an outbox result failed", metadata: ["error": .string(error.description)])
                }
            }
        }
        return delivered
    }

    private func attempt(_ message: OutboxMessage) async -> OutboxOutcome {
        let logger = EventLogger(self.logger, metadata: ["gt.tenant": .string(message.tenant), "gt.provider": .string(message.provider)])
        guard let sender = senders[message.provider] else {
            return .deadLetter(error: "no sender for provider \(message.provider)")
        }
        do {
            try await sender.deliver(message)
            return .delivered
        } catch {
            if error.permanent || message.attempts >= configuration.maxAttempts {
                logger.error(
                    "reply dead-lettered",
                    metadata: ["error": .string(error.message), "attempts": .stringConvertible(message.attempts)]
                )
                return .deadLetter(error: error.message)
            }
            let backoff = error.retryAfterSeconds.map(Double.init) ?? min(300, pow(2, Double(message.attempts)))
            logger.warning(
                "reply delivery failed; will retry",
                metadata: ["error": .string(error.message), "retry_in_s": .stringConvertible(backoff)]
            )
            return .retry(at: now().addingTimeInterval(backoff), error: error.message)
        }
    }
}
