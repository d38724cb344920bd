internal import Foundation
internal import Logging
internal import RunnerCore
internal import RunnerFlow
internal import RunnerIngress

/// The HTTP-free entry to running events: channels (and, later, timers) hand it events; it
/// dedupes them, records them, runs their flows and queues their replies.
///
/// Two ways in:
/// - ``respond(_:flow:runtime:adapter:)`` runs the flow inside the request and answers with the
///   flow's output (the generic webhook, WebChat without a `serviceUrl`): the answer to a
///   provider event id or `Idempotency-Key` is recorded with the run's commit, so its effects
///   happen once; a retry gets the recorded answer, and duplicates that run at once all answer
///   with the one that committed first.
/// - ``accept(_:runtime:answer:)`` acknowledges: it records the events, their dedupe ids and
///   their immediate acknowledgements in one transaction, then answers; the events run right
///   after (``process(_:)``, through the ``InboxWorker``). An acknowledged event is never lost
///   (a crash leaves it in the store for the next holder) and never run twice (its run's commit
///   is fenced by its lease), and a flow that fails is recorded as failed, not retried by the
///   provider.
struct EventProcessor: Sendable {
    struct Dependencies: Sendable {
        var store: any RunnerStore
        var runner: ConversationRunner
        var gate: DedupeGate
        var tenants: ActiveTenants
        var channels: ChannelRegistry
        var credentials: ChannelCredentialLookup
        var queue: InboxQueue
        /// Releases the store refused, tried again on the worker's polls.
        var deferredReleases: DeferredReleases
        var inbox: InboxWorker.Configuration
        var sessions: RunnerHostConfiguration.Sessions
        /// Largest flow input, once normalised (`FLOW_MAX_PAYLOAD_BYTES`).
        var maxPayloadBytes: Int
        /// Hands the replies a run's commit queued to the outbox dispatcher.
        var replies: ReplyHandOff
        var now: @Sendable () -> Date
        var logger: Logger
    }

    let dependencies: Dependencies

    /// The answer when the store cannot take an event: nothing was recorded, the provider retries.
    static let unavailable = DedupeGate.unavailableResponse
    /// The longest wait before an event that could not run is tried again.
    static let maxRetryDelaySeconds: Double = 300

    // MARK: - Run inside the request

    func respond(_ event: IngressEvent, flow: FlowDefinition, runtime: TenantRuntime, adapter: any IngressAdapter) async -> IngressResponse
    {
        let logger = eventLogger(event, tenant: runtime.tenant, flow: flow.id)
        let key = event.dedupe.map { DedupeKey(tenant: runtime.tenant, namespace: $0.namespace, id: $0.id) }
        let gate = dependencies.gate
        let clock = dependencies.now
        let replyLease = dependencies.replies.lease
        // No claim before the run: nothing a run does before its commit reaches outside the
        // store (replies go through the outbox, in the commit), so the answer is recorded
        // with the run. A recorded answer is read before running and replayed; of duplicates
        // running at once the first commit wins and the others replay its answer.
        let outcome = await dependencies.runner.run(
            ConversationRunner.Event(
                runtime: runtime,
                flow: flow,
                input: event.input,
                sessionKey: event.sessionKey,
                provider: event.provider,
                reply: event.reply,
                dedupe: key
            ),
            now: clock,
            logger: logger
        ) { result in
            .init(
                dedupe: key.map { gate.completion($0, response: adapter.response(for: result.dispatchOutcome), now: clock()) },
                replyLease: replyLease(runtime.tenant, clock())
            )
        }
        switch outcome {
        case .ran(let output, let replies, let leased):
            dependencies.replies.queued(replies: replies, leased: leased, tenant: runtime.tenant)
            return adapter.response(for: .ran(output: output))
        case .flowFailed(let message):
            return adapter.response(for: .flowFailed(message))
        case .answered(.completed(let response)):
            logger.debug("duplicate event answered from the dedupe record", metadata: ["gt.event": .string(key?.id ?? "")])
            return response
        case .answered(.inProgress):
            return DedupeGate.busyResponse
        case .unavailable:
            return Self.unavailable
        case .superseded:
            return DedupeGate.busyResponse
        }
    }

    // MARK: - Acknowledge, then run

    func accept(_ events: [(IngressEvent, FlowDefinition)], runtime: TenantRuntime, answer: IngressResponse) async -> IngressResponse {
        let now = dependencies.now()
        let leaseToSelf = dependencies.queue.hasCapacity
        var entries: [Acceptance.Entry] = []
        // One batch shares its arrival time; ids that sort in batch order keep a session's
        // events (WhatsApp sends several per request) in that order. Time-ordered, so the
        // inbox's rows are appended to its table rather than scattered over it.
        let batch = UUID.timeOrdered(at: now).uuidString
        for (index, (event, flow)) in events.enumerated() {
            let position = String(index)
            let id = "\(batch)-\(String(repeating: "0", count: max(0, 6 - position.count)))\(position)"
            var acknowledgements: [OutboxMessage] = []
            if let target = event.reply, !event.acknowledgements.isEmpty {
                acknowledgements = ReplyPlanner.rows(
                    event.acknowledgements,
                    tenant: runtime.tenant,
                    target: target,
                    idPrefix: "\(id)-ack",
                    now: now
                )
            }
            entries.append(
                Acceptance.Entry(
                    event: InboxEvent(
                        id: id,
                        tenant: runtime.tenant,
                        provider: event.provider,
                        sessionKey: event.sessionKey,
                        flowID: flow.id,
                        input: event.input,
                        reply: event.reply,
                        receivedAt: now
                    ),
                    dedupe: event.dedupe.map { DedupeKey(tenant: runtime.tenant, namespace: $0.namespace, id: $0.id) },
                    outbox: acknowledgements
                )
            )
        }
        let acceptance = Acceptance(
            entries: entries,
            response: answer,
            retainUntil: now.addingTimeInterval(Double(dependencies.sessions.dedupeRetainSeconds)),
            leaseUntil: leaseToSelf ? now.addingTimeInterval(Double(dependencies.inbox.leaseMs) / 1000) : nil
        )
        let outcomes: [AcceptOutcome]
        do {
            outcomes = try await dependencies.store.accept(acceptance, now: now)
        } catch {
            dependencies.logger.error(
                "accepting events failed",
                metadata: ["gt.tenant": .string(runtime.tenant), "error": .string(error.description)]
            )
            return Self.unavailable
        }
        var queuedAcknowledgements = false
        for (entry, outcome) in zip(entries, outcomes) {
            switch outcome {
            case .accepted(let lease):
                queuedAcknowledgements = queuedAcknowledgements || !entry.outbox.isEmpty
                if let lease { dependencies.queue.submit(lease) } else { dependencies.queue.nudge() }
            case .duplicate:
                dependencies.logger.debug(
                    "duplicate event acknowledged again",
                    metadata: ["gt.tenant": .string(runtime.tenant), "gt.event": .string(entry.dedupe?.id ?? "")]
                )
            }
        }
        if queuedAcknowledgements { dependencies.replies.nudge(runtime.tenant) }
        return answer
    }

    /// Runs one accepted event whose lease this process holds.
    func process(_ lease: InboxLease) async {
        let event = lease.event
        let runtime = dependencies.tenants.runtime(for: event.tenant)
        var logger = EventLogger(
            dependencies.logger,
            metadata: [
                "gt.tenant": .string(event.tenant), "gt.provider": .string(event.provider), "gt.session": .string(event.sessionKey),
                "gt.flow": .string(event.flowID),
            ]
        )
        logger[metadataKey: "gt.event"] = .string(event.id)
        guard lease.event.attempts <= dependencies.inbox.maxAttempts else {
            await fail(lease, "gave up: \(lease.event.attempts - 1) runs ended without an outcome (a crash or a hang)", logger: logger)
            return
        }
        guard let runtime else {
            await retry(lease, "tenant \(event.tenant) is not loaded", logger: logger)
            return
        }
        guard let flow = runtime.engine.flows[event.flowID] else {
            await fail(lease, "flow \(event.flowID) is no longer deployed", logger: logger)
            return
        }
        var input = event.input
        if let channel = dependencies.channels[event.provider] {
            let credentials: ChannelCredentials
            do {
                credentials = try await dependencies.credentials(event.tenant, event.provider)
            } catch {
                await retry(lease, "the tenant's credentials are unavailable: \(error.message)", logger: logger)
                return
            }
            do {
                switch try await channel.prepare(input, context: PrepareContext(tenant: event.tenant, credentials: credentials)) {
                case .run(let prepared):
                    input = prepared
                case .skip(let reason):
                    logger.debug("event needs no flow run", metadata: ["reason": .string(reason)])
                    await complete(lease, .done, logger: logger)
                    return
                }
            } catch {
                if error.isTransient {
                    await retry(lease, error.message, retryAfterSeconds: error.retryAfterSeconds, logger: logger)
                } else {
                    await fail(lease, error.message, logger: logger)
                }
                return
            }
        }
        let retain = Double(dependencies.sessions.dedupeRetainSeconds)
        let outcome = await dependencies.runner.run(
            ConversationRunner.Event(
                runtime: runtime,
                flow: flow,
                input: input,
                sessionKey: event.sessionKey,
                provider: event.provider,
                reply: event.reply
            ),
            now: dependencies.now,
            logger: logger
        ) { [now = dependencies.now, replyLease = dependencies.replies.lease] result in
            switch result {
            case .ran:
                .init(inbox: .init(id: event.id, token: lease.token, outcome: .done), replyLease: replyLease(event.tenant, now()))
            case .failed(let message):
                .init(
                    inbox: .init(
                        id: event.id,
                        token: lease.token,
                        outcome: .failed(error: message, retainUntil: now().addingTimeInterval(retain))
                    )
                )
            }
        }
        switch outcome {
        case .ran(_, let replies, let leased):
            dependencies.replies.queued(replies: replies, leased: leased, tenant: event.tenant)
        case .flowFailed(let message):
            logger.warning("the flow failed; the event is recorded as failed", metadata: ["error": .string(message)])
        case .unavailable(let message):
            await retry(lease, message, logger: logger)
        case .superseded, .answered:
            break
        }
    }

    // MARK: - Helpers

    private func eventLogger(_ event: IngressEvent, tenant: String, flow: String) -> EventLogger {
        EventLogger(
            dependencies.logger,
            metadata: [
                "gt.tenant": .string(tenant), "gt.provider": .string(event.provider), "gt.session": .string(event.sessionKey),
                "gt.flow": .string(flow),
            ]
        )
    }

    private func complete(_ lease: InboxLease, _ outcome: RunCommit.InboxCompletion.Outcome, logger: EventLogger) async {
        do {
            try await dependencies.store.commit(RunCommit(inbox: .init(id: lease.event.id, token: lease.token, outcome: outcome)))
        } catch {
            logger.warning("recording the event's end failed", metadata: ["error": .string(error.description)])
        }
    }

    private func fail(_ lease: InboxLease, _ message: String, logger: EventLogger) async {
        logger.warning("the event cannot run; it is recorded as failed", metadata: ["error": .string(message)])
        let retain = dependencies.now().addingTimeInterval(Double(dependencies.sessions.dedupeRetainSeconds))
        await complete(lease, .failed(error: message, retainUntil: retain), logger: logger)
    }

    /// Gives the event back to run again later (it could not run yet: its tenant is not
    /// loaded, or the store or a provider API is unavailable). Such a release does not count
    /// toward ``InboxWorker/Configuration/maxAttempts``; the delay grows with the event's age
    /// (half of it, 1 s to 5 min, never before the provider's `Retry-After` within that cap),
    /// and an event still waiting after ``InboxWorker/Configuration/retryWindowSeconds`` is
    /// given up.
    private func retry(_ lease: InboxLease, _ message: String, retryAfterSeconds: Double? = nil, logger: EventLogger) async {
        let now = dependencies.now()
        let age = max(0, now.timeIntervalSince(lease.event.receivedAt))
        guard age < Double(dependencies.inbox.retryWindowSeconds) else {
            await fail(lease, "gave up after retrying for \(Int(age)) s: \(message)", logger: logger)
            return
        }
        let delay = min(Self.maxRetryDelaySeconds, max(1, age / 2, retryAfterSeconds ?? 0))
        logger.warning("the event will run again later", metadata: ["error": .string(message), "retry_in_s": .stringConvertible(delay)])
        do {
            try await dependencies.store.releaseInbox(
                id: lease.event.id,
                token: lease.token,
                retryAt: now.addingTimeInterval(delay),
                error: message
            )
        } catch {
            logger.error("releasing the event failed; trying again while its lease lasts", metadata: ["error": .string(error.description)])
            dependencies.deferredReleases.add(.init(lease: lease, retryAt: now.addingTimeInterval(delay), error: message))
        }
    }
}

extension ConversationRunner.FlowResult {
    /// The adapter-facing outcome.
    var dispatchOutcome: DispatchOutcome {
        switch self {
        case .ran(let output): .ran(output: output)
        case .failed(let message): .flowFailed(message)
        }
    }
}
