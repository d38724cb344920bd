internal import Foundation
internal import Logging
internal import RunnerCore
public import RunnerIngress
public import ServiceLifecycle
internal import Synchronization

/// Delivers queued replies from the durable outbox through each channel's API.
///
/// Runs as a `Service`: it drains the outbox when nudged after a commit and on a poll tick (so
/// messages left by a crash or another node are picked up). Every delivery holds a fenced lease
/// (``OutboxLease``): the send starts only while the lease is held with time to spare, and its
/// outcome is recorded only by the lease's token. The store hands out one message per
/// conversation at a time, so a conversation's replies go out in order; per-tenant and
/// per-conversation token buckets pace them; at most ``Configuration/concurrency`` sends run at
/// once and ``Configuration/tenantConcurrency`` for one tenant, so a slow provider or a busy
/// tenant cannot stall the others.
///
/// Failures: a transient one (429, 5xx, connection refused) is retried with exponential backoff
/// and jitter, or at the provider's `Retry-After`; a permanent one, or the last of
/// ``Configuration/maxAttempts``, makes a dead letter. A send whose outcome is unknown (no answer
/// after the request went out, or a holder that died mid-send) is dead-lettered rather than sent
/// again, unless ``Configuration/resendUnknownOutcomes`` says otherwise.
public final class OutboxDispatcher: Service, Sendable {
    /// Delivery tuning.
    public struct Configuration: Sendable, Hashable {
        /// How often the outbox is polled when nobody nudges (default 1 s).
        public var pollIntervalMs: Int
        /// How long a leased message is reserved: twice ``sendTimeoutMs`` and 5 s (default 65 s).
        /// A node that dies mid-send holds its messages this long.
        public var leaseSeconds: Int
        /// Attempts before a message becomes a dead letter (`OUTBOX_MAX_ATTEMPTS`, default 12).
        public var maxAttempts: Int
        /// The first retry's delay; each further one doubles (`OUTBOX_BACKOFF_BASE`, default 1 s).
        public var backoffBaseMs: Int
        /// The longest delay between attempts (`OUTBOX_BACKOFF_MAX`, default 10 min).
        public var backoffMaxMs: Int
        /// Sends at once (`OUTBOX_CONCURRENCY`, default 32).
        public var concurrency: Int
        /// Sends at once for one tenant (`OUTBOX_TENANT_CONCURRENCY`, default 8).
        public var tenantConcurrency: Int
        /// Longest a send may take before its outcome is unknown (`OUTBOX_SEND_TIMEOUT`, default 30 s).
        public var sendTimeoutMs: Int
        /// How long dead letters are kept (`OUTBOX_DEAD_TTL`, default 7 days).
        public var deadLetterRetentionSeconds: Int
        /// Send again when the outcome is unknown instead of dead-lettering
        /// (`OUTBOX_RESEND_UNKNOWN`, default false: never twice, at the risk of never).
        public var resendUnknownOutcomes: Bool
        /// The per-conversation limit when neither bindings nor the channel set one.
        public var conversationLimit: RateLimit

        public init(
            pollIntervalMs: Int = 1000,
            leaseSeconds: Int = 65,
            maxAttempts: Int = 12,
            backoffBaseMs: Int = 1000,
            backoffMaxMs: Int = 600_000,
            concurrency: Int = 32,
            tenantConcurrency: Int = 8,
            sendTimeoutMs: Int = 30_000,
            deadLetterRetentionSeconds: Int = 7 * 86_400,
            resendUnknownOutcomes: Bool = false,
            conversationLimit: RateLimit = .conversationDefault
        ) {
            self.pollIntervalMs = pollIntervalMs
            self.leaseSeconds = leaseSeconds
            self.maxAttempts = maxAttempts
            self.backoffBaseMs = backoffBaseMs
            self.backoffMaxMs = backoffMaxMs
            self.concurrency = concurrency
            self.tenantConcurrency = tenantConcurrency
            self.sendTimeoutMs = sendTimeoutMs
            self.deadLetterRetentionSeconds = deadLetterRetentionSeconds
            self.resendUnknownOutcomes = resendUnknownOutcomes
            self.conversationLimit = conversationLimit
        }

        /// The lease that leaves room for a send of `sendTimeoutMs` and its bookkeeping.
        public static func leaseSeconds(forSendTimeoutMs sendTimeoutMs: Int) -> Int {
            (sendTimeoutMs * 2 + 999) / 1000 + 5
        }
    }

    /// The rate limits of one tenant.
    struct TenantLimits: Sendable {
        var tenant: RateLimit
        /// Bindings' per-conversation override, if any.
        var conversation: RateLimit?
    }

    /// What one drain did (for tests and logs).
    struct DrainReport: Sendable, Hashable {
        var delivered = 0
        var retried = 0
        var postponed = 0
        var deadLettered = 0
        /// Sends found abandoned mid-flight by a holder whose lease ran out.
        var abandoned = 0
    }

    private let store: any RunnerStore
    private let channels: ChannelRegistry
    private let credentials: ChannelCredentialLookup
    private let limits: @Sendable (String) -> TenantLimits
    private let configuration: Configuration
    private let limiter = RateLimiter()
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let logger: Logger
    private let loop = TriggeredLoop()
    /// Wakes a drain waiting on slow sends when new replies are queued.
    private let doorbell = Doorbell()
    /// The tenants whose replies were queued since the drain last looked (``nudge(tenant:)``).
    private let nudges = Mutex(Nudges())
    /// Sends in flight, and replies handed over by their run's commit.
    private let slots = Mutex(Slots())

    /// Sends in flight and hand-offs waiting, shared by the drain and the event processor.
    struct Slots: Sendable {
        /// Whether the service runs (hand-offs would otherwise wait for their lease to run out).
        var running = false
        var sending = 0
        var inFlight: [String: Int] = [:]
        var handed: [OutboxLease] = []

        mutating func started(_ tenant: String) {
            sending += 1
            inFlight[tenant, default: 0] += 1
        }

        mutating func finished(_ tenant: String) {
            sending -= 1
            let left = inFlight[tenant, default: 1] - 1
            inFlight[tenant] = left > 0 ? left : nil
        }
    }

    /// Who queued replies since the drain last looked.
    struct Nudges: Sendable {
        /// A nudge that named no tenant: anything may be due.
        var anyTenant = false
        var tenants: Set<String> = []
    }

    init(
        store: any RunnerStore,
        channels: ChannelRegistry,
        credentials: @escaping ChannelCredentialLookup,
        limits: @escaping @Sendable (String) -> TenantLimits,
        configuration: Configuration = .init(),
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger
    ) {
        self.store = store
        self.channels = channels
        self.credentials = credentials
        self.limits = limits
        self.configuration = configuration
        self.now = now
        self.random = random
        self.logger = logger
    }

    /// Asks for a drain as soon as possible (coalesced): something may be due for any tenant.
    func nudge() {
        nudges.withLock { $0.anyTenant = true }
        wake()
    }

    /// Starts a drain, or wakes the one running.
    private func wake() {
        loop.nudge()
        doorbell.ring()
    }

    /// Whether a nudge is waiting for a running drain to look at it (for tests).
    var hasUnansweredNudges: Bool {
        nudges.withLock { $0.anyTenant || !$0.tenants.isEmpty }
    }

    /// Asks for a drain after a commit queued replies of `tenant`. While a drain runs, such a
    /// nudge leases only when the tenant has room for another send: a tenant at its
    /// ``Configuration/tenantConcurrency`` gets its next reply leased when one of its sends
    /// finishes, and a lease that could take nothing would still walk the tenant's backlog.
    func nudge(tenant: String) {
        nudges.withLock { _ = $0.tenants.insert(tenant) }
        wake()
    }

    public func run() async throws {
        slots.withLock { $0.running = true }
        defer { slots.withLock { $0.running = false } }
        // A round started by a hand-off alone sends what was handed over and leases nothing:
        // a lease then could only find what a nudge or the tick would bring.
        try await loop.run(every: .milliseconds(configuration.pollIntervalMs)) { ticked in
            await drain(leasing: ticked || hasUnansweredNudges)
        }
    }

    /// The lease a run's commit should take on its replies so this node sends them at once
    /// (``handOff(_:)``), or `nil` when the dispatcher is not running or has no slot for the
    /// tenant: then the replies wait in the store for a lease of the drain.
    func replyLease(for tenant: String, now: Date) -> RunCommit.ReplyLease? {
        slots.withLock { slots in
            guard slots.running else { return nil }
            let tenantBusy = slots.inFlight[tenant, default: 0] + slots.handed.count { $0.message.tenant == tenant }
            guard slots.sending + slots.handed.count < configuration.concurrency, tenantBusy < configuration.tenantConcurrency else {
                return nil
            }
            return RunCommit.ReplyLease(until: now.addingTimeInterval(Double(configuration.leaseSeconds)), limit: 1)
        }
    }

    /// Sends replies a run's commit leased to this node (``replyLease(for:now:)``): the drain
    /// starts them before it leases anything, within ``Configuration/concurrency``.
    func handOff(_ leases: [OutboxLease]) {
        guard !leases.isEmpty else { return }
        slots.withLock { $0.handed.append(contentsOf: leases) }
        wake()
    }

    /// Delivers every message that is due, with at most ``Configuration/concurrency`` sends in
    /// flight, until none is left to lease. While sends are in flight it leases again when one
    /// finishes, when nudged and on every poll tick, so a hung send never holds up other
    /// replies. Replies handed over by their run's commit start first, without a lease; with
    /// `leasing` false the drain leases only once something wakes it.
    /// Graceful shutdown stops the leasing; sends in flight finish. One drain runs at a time
    /// (the service's loop is serial): two would wake each other's ``Doorbell`` waits.
    @discardableResult
    func drain(leasing: Bool = true) async -> DrainReport {
        enum Wake: Sendable {
            case finished(tenant: String, Outcome)
            case nudged
            case tick
        }
        var report = DrainReport()
        let doorbell = self.doorbell
        let tick = Duration.milliseconds(configuration.pollIntervalMs)
        let concurrency = configuration.concurrency
        let tenantConcurrency = configuration.tenantConcurrency
        await withTaskGroup(of: Wake.self) { group in
            var waking = false
            var mayLease = leasing
            // Tenants whose replies may wait in the store unleased: nudged, and not answered
            // yet by a lease that ran while nothing of theirs was in flight here (a reply queued
            // behind one of this node's sends becomes leasable when that send finishes, so a
            // finish leases again only for them). A leasing drain looks at everything; the
            // nudges made before it are its first lease's to answer.
            var owed = takeNudges()
            owed.anyTenant = owed.anyTenant || leasing
            func start(_ lease: OutboxLease) {
                group.addTask { .finished(tenant: lease.message.tenant, await self.deliver(lease)) }
            }
            while true {
                // Replies their run's commit leased to this node: no lease needed. Within the
                // caps like any send; the others wait here for a slot of their tenant. Once
                // cancelled none starts (their leases run out and the next holder sends them).
                let handed = Task.isCancelled ? [] : takeHandOffs()
                for lease in handed { start(lease) }
                let (sending, inFlight) = slots.withLock { ($0.sending, $0.inFlight) }
                // Worth a lease only if something owed could be taken: a lease that leaves a
                // tenant at its room out still walks that tenant's backlog.
                let leasable = owed.anyTenant || owed.tenants.contains { inFlight[$0, default: 0] < tenantConcurrency }
                if mayLease, leasable, sending < concurrency, !Task.isCancelled, !Task.isShuttingDownGracefully {
                    let limit = concurrency - sending
                    let leases = await lease(limit: limit, room: inFlight.mapValues { tenantConcurrency - $0 }, report: &report)
                    // Whatever was leasable now was taken (up to the free slots, which a full
                    // batch used up): the next lease waits for a finish, a nudge or a tick.
                    mayLease = false
                    // What may still wait: replies behind this node's sends (now including
                    // these), of owed tenants. A batch that did not fill every free slot took
                    // everything else there was to take.
                    var busy = inFlight
                    for lease in leases { busy[lease.message.tenant, default: 0] += 1 }
                    if owed.anyTenant, leases.count < limit {
                        owed.anyTenant = false
                        owed.tenants.formUnion(busy.keys)
                    }
                    owed.tenants = owed.tenants.filter { busy[$0, default: 0] > 0 }
                    slots.withLock { slots in
                        for lease in leases { slots.started(lease.message.tenant) }
                    }
                    for lease in leases { start(lease) }
                }
                guard slots.withLock({ $0.sending }) > 0 else { break }
                // Once cancelled, only the sends in flight are awaited (a waker would return at
                // once, over and over).
                if !waking, !Task.isCancelled {
                    waking = true
                    group.addTask {
                        await withTaskGroup(of: Wake.self) { either in
                            either.addTask {
                                await doorbell.wait()
                                return .nudged
                            }
                            either.addTask {
                                try? await Task.sleep(for: tick)
                                return .tick
                            }
                            let first = await either.next() ?? .tick
                            either.cancelAll()
                            return first
                        }
                    }
                }
                guard let wake = await group.next() else { break }
                switch wake {
                case .finished(let tenant, let outcome):
                    slots.withLock { $0.finished(tenant) }
                    report.record(outcome)
                    // It may have unblocked a reply of its tenant waiting behind it.
                    mayLease = true
                case .nudged:
                    waking = false
                    // New replies (or hand-offs, taken above).
                    let nudged = takeNudges()
                    owed.anyTenant = owed.anyTenant || nudged.anyTenant
                    owed.tenants.formUnion(nudged.tenants)
                    mayLease = true
                case .tick:
                    waking = false
                    // Messages left by a crash, another node, or a retry come due.
                    mayLease = true
                    owed.anyTenant = true
                }
            }
            group.cancelAll()
        }
        return report
    }

    /// The handed-over replies that fit in the caps now, counted as started; the others stay.
    private func takeHandOffs() -> [OutboxLease] {
        slots.withLock { slots in
            var taken: [OutboxLease] = []
            var waiting: [OutboxLease] = []
            for lease in slots.handed {
                let tenant = lease.message.tenant
                if slots.sending < configuration.concurrency, slots.inFlight[tenant, default: 0] < configuration.tenantConcurrency {
                    slots.started(tenant)
                    taken.append(lease)
                } else {
                    waiting.append(lease)
                }
            }
            slots.handed = waiting
            return taken
        }
    }

    /// The nudges since the last look, cleared.
    private func takeNudges() -> Nudges {
        nudges.withLock { nudges in
            defer { nudges = Nudges() }
            return nudges
        }
    }

    private func lease(limit: Int, room: [String: Int], report: inout DrainReport) async -> [OutboxLease] {
        let now = self.now()
        let request = OutboxLeaseRequest(
            now: now,
            limit: limit,
            leaseUntil: now.addingTimeInterval(Double(configuration.leaseSeconds)),
            maxPerTenant: configuration.tenantConcurrency,
            tenantRoom: room,
            abandoned: configuration.resendUnknownOutcomes
                ? .resend : .deadLetter(retainUntil: now.addingTimeInterval(Double(configuration.deadLetterRetentionSeconds)))
        )
        do {
            let batch = try await store.leaseOutbox(request)
            for message in batch.abandoned {
                report.abandoned += 1
                logger.error(
                    configuration.resendUnknownOutcomes
                        ? "a send was interrupted mid-flight; sending it again (the recipient may get it twice)"
                        : "a send was interrupted mid-flight; dead-lettered so it is never sent twice (replay it if it was not received)",
                    metadata: [
                        "gt.tenant": .string(message.tenant), "gt.provider": .string(message.provider), "gt.outbox": .string(message.id),
                    ]
                )
            }
            return batch.leases
        } catch {
            logger.error("leasing outbox messages failed", metadata: ["error": .string(error.description)])
            return []
        }
    }

    /// How long a reply waits when its tenant's credentials cannot be read.
    static let credentialsRetrySeconds: Double = 5

    enum Outcome: Sendable {
        case delivered, retried, postponed, deadLettered, lost
    }

    private func deliver(_ lease: OutboxLease) async -> Outcome {
        let message = lease.message
        let logger = EventLogger(
            self.logger,
            metadata: ["gt.tenant": .string(message.tenant), "gt.provider": .string(message.provider), "gt.outbox": .string(message.id)]
        )
        let now = self.now()
        guard let channel = channels[message.provider] else {
            return await finish(
                lease,
                .deadLetter(error: "no channel delivers provider \(message.provider)", retainUntil: retention(now)),
                logger
            )
        }
        let credentials: ChannelCredentials
        do {
            credentials = try await self.credentials(message.tenant, message.provider)
        } catch {
            // The secrets backend is down: no attempt is spent on it, the reply waits.
            logger.warning("the tenant's credentials are unavailable; the reply waits", metadata: ["error": .string(error.message)])
            return await finish(lease, .postpone(until: now.addingTimeInterval(Self.credentialsRetrySeconds)), logger)
        }
        let tenantLimits = limits(message.tenant)
        let conversationLimit =
            tenantLimits.conversation ?? channel.conversationLimit(for: message.target.address) ?? configuration.conversationLimit
        if let readyAt = limiter.reserve(
            tenant: message.tenant,
            tenantLimit: tenantLimits.tenant,
            conversation: "\(message.provider)\u{0}\(message.target.conversation)",
            conversationLimit: conversationLimit,
            now: now
        ) {
            return await finish(lease, .postpone(until: readyAt), logger)
        }
        let timeout = Duration.milliseconds(configuration.sendTimeoutMs)
        guard now.addingTimeInterval(Double(configuration.sendTimeoutMs) / 1000 + 1) < lease.leaseUntil else {
            // Not enough lease left for a send to finish inside it: let a fresh lease take it.
            return await finish(lease, .postpone(until: now), logger)
        }
        do {
            guard try await store.startDelivery(lease, now: now) else {
                logger.warning("the lease on a reply was lost before sending; another holder has it")
                return .lost
            }
        } catch {
            logger.error("marking a send failed; it is retried after its lease", metadata: ["error": .string(error.description)])
            return .lost
        }
        let attempt = message.attempts + 1
        let context = DeliveryContext(
            tenant: message.tenant,
            credentials: credentials,
            messageID: message.id,
            attempt: attempt,
            timeout: timeout
        )
        do {
            try await channel.send(message.message, to: message.target.address, context: context)
            return await finish(lease, .delivered, logger)
        } catch {
            return await finish(lease, outcome(for: error, attempt: attempt, logger: logger), logger)
        }
    }

    /// What to record after a failed attempt.
    func outcome(for error: DeliveryError, attempt: Int, logger: EventLogger) -> OutboxOutcome {
        let now = self.now()
        switch error.code {
        case .permanent:
            logger.error("reply dead-lettered", metadata: ["error": .string(error.message), "attempts": .stringConvertible(attempt)])
            return .deadLetter(error: error.message, retainUntil: retention(now))
        case .unknownOutcome where !configuration.resendUnknownOutcomes:
            logger.error("reply dead-lettered: its outcome is unknown", metadata: ["error": .string(error.message)])
            return .deadLetter(error: "delivery outcome unknown: \(error.message)", retainUntil: retention(now))
        default:
            guard attempt < configuration.maxAttempts else {
                logger.error("reply dead-lettered", metadata: ["error": .string(error.message), "attempts": .stringConvertible(attempt)])
                return .deadLetter(error: "gave up after \(attempt) attempts: \(error.message)", retainUntil: retention(now))
            }
            // Never before the provider's Retry-After (up to the backoff cap: a hostile or
            // broken header cannot park a reply for days), never in a tight loop.
            let retryAfter = min(error.retryAfterSeconds ?? 0, Double(configuration.backoffMaxMs) / 1000)
            let delay = max(retryAfter, backoffSeconds(afterAttempt: attempt))
            logger.warning(
                "reply delivery failed; will retry",
                metadata: [
                    "error": .string(error.message), "retry_in_s": .stringConvertible(delay), "attempts": .stringConvertible(attempt),
                ]
            )
            return .retry(at: now.addingTimeInterval(delay), error: error.message)
        }
    }

    /// Exponential backoff with equal jitter: half the doubled delay fixed, half random.
    func backoffSeconds(afterAttempt attempt: Int) -> Double {
        let base = Double(configuration.backoffBaseMs) / 1000
        let cap = Double(configuration.backoffMaxMs) / 1000
        let delay = min(cap, base * pow(2, Double(min(max(0, attempt - 1), 40))))
        return delay / 2 + random() * delay / 2
    }

    private func retention(_ now: Date) -> Date {
        now.addingTimeInterval(Double(configuration.deadLetterRetentionSeconds))
    }

    private func finish(_ lease: OutboxLease, _ outcome: OutboxOutcome, _ logger: EventLogger) async -> Outcome {
        do {
            guard try await store.finishOutbox(lease, outcome: outcome, now: now()) else {
                logger.warning("the lease on a reply was lost before its outcome was recorded; another holder has it")
                return .lost
            }
        } catch {
            logger.error("recording an outbox result failed", metadata: ["error": .string(error.description)])
            return .lost
        }
        switch outcome {
        case .delivered: return .delivered
        case .retry: return .retried
        case .postpone: return .postponed
        case .deadLetter: return .deadLettered
        }
    }
}

extension OutboxDispatcher.DrainReport {
    mutating func record(_ outcome: OutboxDispatcher.Outcome) {
        switch outcome {
        case .delivered: delivered += 1
        case .retried: retried += 1
        case .postponed: postponed += 1
        case .deadLettered: deadLettered += 1
        case .lost: break
        }
    }
}
