internal import Foundation
internal import Logging
internal import RunnerCore
internal import RunnerFlow
internal import RunnerIngress
internal import RunnerWasm

/// Runs one ingress event end to end: dedupe, resume or start the flow, commit the outcome,
/// queue replies, answer.
///
/// Guarantees:
/// - A provider event id or `Idempotency-Key` runs its flow at most once; retries get the
///   recorded answer, retries during processing get 409 with `Retry-After`.
/// - One flow run per event; a paused conversation resumes exactly once at its saved node.
/// - Everything a run changes (resume record, component state, dedupe record, outbox) is
///   committed in one transaction, compare-and-swap on the resume record's and the state
///   scope's revisions; a concurrent run on the same session makes this one start over on the
///   new state.
/// - A failed flow writes nothing but its answer: a redelivery replays the failure rather than
///   running the flow again. When the store itself fails, the event is given back (released) so
///   a provider retry processes it.
struct MessageDispatcher: Sendable {
    struct Dependencies: Sendable {
        var store: any RunnerStore
        var wasm: WasmRuntime
        var tenants: ActiveTenants
        /// Restores pack versions paused conversations need from the cache.
        var restorer: PackVersionRestorer?
        var sessions: RunnerHostConfiguration.Sessions
        var wasmDefaults: RunnerHostConfiguration.Wasm
        /// The tenants' secrets (`SECRETS_BACKEND=env`).
        var secrets: EnvironmentSecrets
        var now: @Sendable () -> Date
        /// Providers whose replies the outbox can deliver.
        var deliverableProviders: Set<String>
        /// Most replies one event may queue (the original's limit was 32 egress steps).
        var maxRepliesPerEvent: Int
        /// Queues the events of one session within this process.
        var sessionSerializer = KeyedSerializer()
        /// Wakes the outbox delivery service after a commit.
        var outboxNudge: @Sendable () -> Void
        var logger: Logger
    }

    let dependencies: Dependencies

    private var store: any RunnerStore { dependencies.store }

    func dispatch(_ event: IngressEvent, runtime: TenantRuntime, adapter: any IngressAdapter) async -> IngressResponse {
        var logger = EventLogger(
            dependencies.logger,
            metadata: [
                "gt.tenant": .string(runtime.tenant), "gt.provider": .string(event.provider),
                "gt.session": .string(event.sessionKey),
            ]
        )

        let flow: FlowDefinition
        do {
            flow = try runtime.flow(for: event.flow)
        } catch {
            return .error(error.code.httpStatus, error.message)
        }
        logger[metadataKey: "gt.flow"] = .string(flow.id)

        var claim: (key: DedupeKey, token: ClaimToken)?
        if let dedupe = event.dedupe {
            let key = DedupeKey(tenant: runtime.tenant, namespace: dedupe.namespace, id: dedupe.id)
            let now = dependencies.now()
            do {
                switch try await store.claim(
                    key,
                    leaseUntil: now.addingTimeInterval(Double(dependencies.sessions.dedupeLeaseSeconds)),
                    now: now
                ) {
                case .completed(let stored):
                    logger.debug("duplicate event answered from the dedupe record", metadata: ["gt.event": .string(dedupe.id)])
                    return stored
                case .inProgress:
                    return IngressResponse(
                        status: 409,
                        headers: ["content-type": "application/json", "retry-after": "1"],
                        body: JSONValue.object(["error": "this event is already being processed"]).serializedBytes()
                    )
                case .claimed(let token):
                    claim = (key, token)
                }
            } catch {
                logger.error("dedupe claim failed", metadata: ["error": .string(error.description)])
                return .error(503, "the store is unavailable")
            }
        }

        // Optimistic first: events of different sessions, and stateless events of one session,
        // run in parallel. Only when the session changed under a run does it queue behind the
        // session's other conflicting events and run again, one at a time.
        var answer: IngressResponse?
        switch await runOnce(event, flow: flow, runtime: runtime, adapter: adapter, claim: claim, logger: logger) {
        case .answered(let response):
            answer = response
        case .failed:
            answer = nil
        case .conflict:
            let session = "\(runtime.tenant)\u{0}\(event.sessionKey)"
            answer = await dependencies.sessionSerializer.run(session) {
                for _ in 1...Self.serializedAttempts {
                    logger.debug("session changed during the run; running again on the new state")
                    switch await runOnce(event, flow: flow, runtime: runtime, adapter: adapter, claim: claim, logger: logger) {
                    case .answered(let response): return response
                    case .conflict: continue
                    case .failed: return nil
                    }
                }
                return nil
            }
        }
        if let answer { return answer }
        if let claim {
            try? await store.release(claim.key, token: claim.token)
        }
        return adapter.response(for: .flowFailed("the conversation could not be updated"))
    }

    /// Attempts after a conflict, made while holding the session's place in the queue.
    static let serializedAttempts = 8

    enum RunResult {
        case answered(IngressResponse)
        case conflict
        case failed
    }

    private func runOnce(
        _ event: IngressEvent,
        flow: FlowDefinition,
        runtime: TenantRuntime,
        adapter: any IngressAdapter,
        claim: (key: DedupeKey, token: ClaimToken)?,
        logger: EventLogger
    ) async -> RunResult {
        let now = dependencies.now()
        let resumeKey = ResumeKey(tenant: runtime.tenant, sessionKey: event.sessionKey, flowID: flow.id)
        guard let currentOwner = runtime.flowOwners[flow.id] else { return .failed }
        let record: ResumeRecord?
        var snapshot: StateSnapshot
        var scope = StateScope(tenant: runtime.tenant, pack: currentOwner.packID, session: event.sessionKey)
        do {
            (record, snapshot) = try await store.loadRun(resumeKey, scope: scope, now: now)
        } catch {
            logger.error("loading the session failed", metadata: ["error": .string(error.description)])
            return .failed
        }
        let plan = await ResumePlanner(tenants: dependencies.tenants, restorer: dependencies.restorer)
            .plan(record: record, flow: flow, current: runtime)
        if let notice = plan.notice {
            logger.warning("\(notice)")
        }
        let serving = plan.runtime
        guard let owner = serving.flowOwners[flow.id] else { return .failed }
        if owner.packID != scope.pack {
            // The conversation resumes on a version whose flow comes from another pack.
            scope.pack = owner.packID
            do {
                snapshot = try await store.stateSnapshot(for: scope)
            } catch {
                logger.error("loading component state failed", metadata: ["error": .string(error.description)])
                return .failed
            }
        }
        let nodes = WasmNodeRunner(
            runtime: dependencies.wasm,
            components: serving.components,
            identity: .init(
                tenant: runtime.tenant,
                flowID: flow.id,
                sessionKey: event.sessionKey,
                provider: event.provider,
                packID: owner.packID,
                packVersion: owner.version
            ),
            limits: limits(for: serving.bindings),
            secrets: dependencies.secrets.secrets(for: serving.bindings),
            snapshot: snapshot,
            logger: logger
        )
        let run = await serving.engine.run(flowID: flow.id, input: event.input, resume: plan.snapshot, nodes: nodes)

        let resume: RunCommit.ResumeChange
        let output: JSONValue
        switch run.outcome {
        case .failed(let error):
            logger.warning("flow failed", metadata: ["error": .string(error.description), "gt.node": .string(error.node ?? "")])
            return .answered(await recordFailure(adapter.response(for: .flowFailed(error.description)), claim: claim, now: now))
        case .completed(let result):
            output = result
            resume = record.map { .delete($0.key, expectedRevision: $0.revision) } ?? .none
        case .paused(let flowSnapshot, let reason, let result):
            output = result
            let saved = ResumeRecord(
                key: resumeKey,
                packDigest: owner.digest,
                flowHash: owner.flowHashes[flow.id] ?? "",
                nextNode: flowSnapshot.nextNode,
                reason: reason,
                snapshot: flowSnapshot.json,
                createdAt: now,
                expiresAt: now.addingTimeInterval(Double(dependencies.sessions.resumeTTLSeconds))
            )
            resume = .save(saved, expectedRevision: record?.revision)
        }

        var outbox: [OutboxMessage] = []
        if let address = event.replyAddress, dependencies.deliverableProviders.contains(event.provider) {
            let replies = adapter.replies(for: output)
            guard replies.count <= dependencies.maxRepliesPerEvent else {
                logger.warning("flow produced too many replies", metadata: ["count": .stringConvertible(replies.count)])
                let message = "the flow produced \(replies.count) replies; at most \(dependencies.maxRepliesPerEvent) per event"
                return .answered(await recordFailure(adapter.response(for: .flowFailed(message)), claim: claim, now: now))
            }
            let runID = UUID().uuidString
            for (sequence, message) in replies.enumerated() {
                outbox.append(
                    OutboxMessage(
                        id: "\(runID)-\(sequence)",
                        tenant: runtime.tenant,
                        provider: event.provider,
                        address: address,
                        message: message,
                        createdAt: now,
                        sequence: sequence
                    )
                )
            }
        }
        let response = adapter.response(for: .ran(output: output, replies: outbox.count))
        let completion = claim.map { completing($0, with: response, now: now) }
        let stateWrites = nodes.stateWrites
        // Component state is read-modify-write: compare-and-swap the scope's revision so two
        // concurrent events of one session never lose an update (the loser runs again).
        let stateRevisions = stateWrites.isEmpty ? [:] : [scope: snapshot.revision]
        let commit = RunCommit(resume: resume, stateWrites: stateWrites, stateRevisions: stateRevisions, dedupe: completion, outbox: outbox)
        do {
            if !commit.isEmpty { try await store.commit(commit) }
        } catch  where error.code == .revisionConflict {
            return .conflict
        } catch {
            logger.error("committing the run failed", metadata: ["error": .string(error.description)])
            return .failed
        }
        if !outbox.isEmpty { dependencies.outboxNudge() }
        return .answered(response)
    }

    /// Records a failed run's answer as the event's dedupe response, so a provider redelivery
    /// gets the same answer instead of running a flow that fails the same way again (SPEC: a
    /// flow never runs twice for one event). If even that cannot be written, the claim is
    /// released so the event is not lost.
    private func recordFailure(
        _ response: IngressResponse,
        claim: (key: DedupeKey, token: ClaimToken)?,
        now: Date
    ) async -> IngressResponse {
        guard let claim else { return response }
        do {
            try await store.commit(RunCommit(dedupe: completing(claim, with: response, now: now)))
        } catch {
            try? await store.release(claim.key, token: claim.token)
        }
        return response
    }

    /// The dedupe record answering later deliveries of a claimed event with `response`.
    private func completing(
        _ claim: (key: DedupeKey, token: ClaimToken),
        with response: IngressResponse,
        now: Date
    ) -> RunCommit.DedupeCompletion {
        RunCommit.DedupeCompletion(
            key: claim.key,
            token: claim.token,
            response: response,
            retainUntil: now.addingTimeInterval(Double(dependencies.sessions.dedupeRetainSeconds))
        )
    }

    private func limits(for bindings: TenantBindings) -> WasmLimits {
        let defaults = dependencies.wasmDefaults
        return WasmLimits(
            fuel: bindings.runtime.fuel ?? defaults.fuel,
            timeoutMs: bindings.runtime.timeoutMs ?? defaults.timeoutMs,
            maxMemoryBytes: (bindings.runtime.maxMemoryMB ?? defaults.maxMemoryMB) << 20
        )
    }
}
