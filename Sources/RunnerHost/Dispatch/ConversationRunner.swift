internal import Foundation
internal import Logging
internal import RunnerCore
internal import RunnerFlow
internal import RunnerIngress
internal import RunnerWasm

/// Runs one event's flow on its conversation and commits everything the run changed in one
/// transaction: load, plan the version to resume on, run, commit, and run again on a revision
/// conflict.
///
/// Guarantees:
/// - One flow run per event; a paused conversation resumes exactly once at its saved node.
/// - The resume record, component state, outbox rows and the event's own bookkeeping (its
///   dedupe answer or its inbox completion) land together or not at all; the resume record
///   and the state scope are compare-and-swapped on their revisions, so a concurrent run on the
///   same session makes this one start over on the new state.
/// - A failed flow commits only the bookkeeping (its failure), never a partial run.
struct ConversationRunner: Sendable {
    struct Dependencies: Sendable {
        var store: any RunnerStore
        var wasm: WasmRuntime
        var tenants: ActiveTenants
        /// Restores pack versions paused conversations need from the cache.
        var restorer: PackVersionRestorer?
        var planner: ReplyPlanner
        var sessions: RunnerHostConfiguration.Sessions
        var wasmDefaults: RunnerHostConfiguration.Wasm
        /// The tenants' secrets (`SECRETS_BACKEND`).
        var secrets: TenantSecrets
        /// Queues the events of one session within this process after a conflict.
        var sessionSerializer = KeyedSerializer()
        var logger: Logger
    }

    /// One event to run.
    struct Event: Sendable {
        var runtime: TenantRuntime
        var flow: FlowDefinition
        var input: JSONValue
        var sessionKey: String
        var provider: String
        var reply: ReplyTarget?
        /// The event's dedupe key when its answer is recorded with the run (an unclaimed
        /// ``RunCommit/DedupeCompletion``): read before the run, so a recorded answer is
        /// replayed without running the flow again.
        var dedupe: DedupeKey? = nil
    }

    /// How the flow ended, for the caller's bookkeeping.
    enum FlowResult: Sendable {
        case ran(output: JSONValue)
        /// The message is for logs; clients get a generic answer.
        case failed(String)
    }

    /// The event's own records, committed with its run, and whether its replies are leased to
    /// this node in that commit (so the outbox sends them without leasing them again).
    struct Bookkeeping: Sendable {
        var dedupe: RunCommit.DedupeCompletion?
        var inbox: RunCommit.InboxCompletion?
        var replyLease: RunCommit.ReplyLease?
    }

    /// What happened.
    enum Outcome: Sendable {
        /// The run and its bookkeeping were committed; `replies` rows were queued, of which
        /// `leased` are leased to this node (``Bookkeeping/replyLease``).
        case ran(output: JSONValue, replies: Int, leased: [OutboxLease])
        /// The flow failed; its bookkeeping was committed.
        case flowFailed(String)
        /// Nothing was committed: the store failed, or the session kept changing.
        case unavailable(String)
        /// The event's claim or lease was taken over by another holder; nothing was committed.
        case superseded
        /// The event's dedupe key is live (``Event/dedupe``): it was answered, or is being
        /// processed, by another holder; nothing ran or was committed.
        case answered(DedupeState)
    }

    let dependencies: Dependencies

    /// Attempts after a conflict, made while holding the session's place in the queue.
    static let serializedAttempts = 8

    func run(
        _ event: Event,
        now: @Sendable () -> Date,
        logger: EventLogger,
        bookkeeping: @Sendable (FlowResult) -> Bookkeeping
    ) async -> Outcome {
        // A run that may call guests runs on the Wasm workers, which then make its calls in
        // place instead of handing each to a worker and back (see `WasmRuntime.executor`).
        guard !event.runtime.components.isEmpty else {
            return await attempts(event, now: now, logger: logger, bookkeeping: bookkeeping)
        }
        return await withTaskExecutorPreference(dependencies.wasm.executor) {
            await attempts(event, now: now, logger: logger, bookkeeping: bookkeeping)
        }
    }

    private func attempts(
        _ event: Event,
        now: @Sendable () -> Date,
        logger: EventLogger,
        bookkeeping: @Sendable (FlowResult) -> Bookkeeping
    ) async -> Outcome {
        // One deadline for the event, FLOW_TIMEOUT from now: it bounds every attempt together
        // (and every component call in them), so the run ends before its claim or lease does.
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(event.runtime.engine.limits.maxWallTimeMs))
        // Optimistic first: events of different sessions, and stateless events of one session,
        // run in parallel. Only when the session changed under a run does it queue behind the
        // session's other conflicting events and run again, one at a time.
        switch await runOnce(event, now: now(), deadline: deadline, logger: logger, bookkeeping: bookkeeping) {
        case .done(let outcome):
            return outcome
        case .conflict:
            let session = "\(event.runtime.tenant)\u{0}\(event.sessionKey)"
            return await dependencies.sessionSerializer.run(session) {
                for _ in 1...Self.serializedAttempts {
                    logger.debug("session changed during the run; running again on the new state")
                    if case .done(let outcome) = await runOnce(
                        event,
                        now: now(),
                        deadline: deadline,
                        logger: logger,
                        bookkeeping: bookkeeping
                    ) {
                        return outcome
                    }
                }
                return .unavailable("the conversation kept changing during \(Self.serializedAttempts) attempts")
            }
        }
    }

    private enum Attempt {
        case done(Outcome)
        case conflict
    }

    private func runOnce(
        _ event: Event,
        now: Date,
        deadline: ContinuousClock.Instant,
        logger: EventLogger,
        bookkeeping: (FlowResult) -> Bookkeeping
    ) async -> Attempt {
        let store = dependencies.store
        let runtime = event.runtime
        let flow = event.flow
        let resumeKey = ResumeKey(tenant: runtime.tenant, sessionKey: event.sessionKey, flowID: flow.id)
        guard let currentOwner = runtime.flowOwners[flow.id] else {
            // Retrying cannot fix it: record the failure rather than retry for a day.
            return await commitFailure("flow \(flow.id) has no owning pack", bookkeeping: bookkeeping, logger: logger)
        }
        let record: ResumeRecord?
        var snapshot: StateSnapshot
        var scope = StateScope(tenant: runtime.tenant, pack: currentOwner.packID, session: event.sessionKey)
        do {
            let load = try await store.loadRun(resumeKey, scope: scope, dedupe: event.dedupe, now: now)
            if let answered = load.dedupe { return .done(.answered(answered)) }
            (record, snapshot) = (load.resume, load.state)
        } catch {
            logger.error("loading the session failed", metadata: ["error": .string(error.description)])
            // Undecodable stored data stays undecodable: a recorded failure, not a retry.
            if error.code == .corrupt { return await commitFailure(error.description, bookkeeping: bookkeeping, logger: logger) }
            return .done(.unavailable(error.description))
        }
        let plan = await ResumePlanner(tenants: dependencies.tenants, restorer: dependencies.restorer)
            .plan(record: record, flow: flow, current: runtime)
        if let notice = plan.notice {
            logger.warning("\(notice)")
        }
        let serving = plan.runtime
        guard let owner = serving.flowOwners[flow.id] else {
            return await commitFailure("flow \(flow.id) has no owning pack", bookkeeping: bookkeeping, logger: logger)
        }
        if owner.packID != scope.pack {
            // The conversation resumes on a version whose flow comes from another pack.
            scope.pack = owner.packID
            do {
                snapshot = try await store.stateSnapshot(for: scope)
            } catch {
                logger.error("loading component state failed", metadata: ["error": .string(error.description)])
                if error.code == .corrupt { return await commitFailure(error.description, bookkeeping: bookkeeping, logger: logger) }
                return .done(.unavailable(error.description))
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
            secrets: await dependencies.secrets.componentSecrets(for: serving.bindings),
            snapshot: snapshot,
            logger: logger
        )
        let run = await serving.engine.run(flowID: flow.id, input: event.input, resume: plan.snapshot, nodes: nodes, deadline: deadline)

        let resume: RunCommit.ResumeChange
        let output: JSONValue
        switch run.outcome {
        case .failed(let error):
            logger.warning("flow failed", metadata: ["error": .string(error.description), "gt.node": .string(error.node ?? "")])
            return await commitFailure(error.description, bookkeeping: bookkeeping, logger: logger)
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

        let outbox: [OutboxMessage]
        do {
            outbox = try dependencies.planner.plan(
                output,
                tenant: runtime.tenant,
                target: event.reply,
                // Time-ordered: the outbox's rows are appended to its table.
                runID: UUID.timeOrdered(at: now).uuidString,
                now: now
            )
        } catch {
            logger.warning("flow produced too many replies", metadata: ["count": .stringConvertible(error.count)])
            return await commitFailure(error.description, bookkeeping: bookkeeping, logger: logger)
        }
        let records = bookkeeping(.ran(output: output))
        let stateWrites = nodes.stateWrites
        // Component state is read-modify-write: compare-and-swap the scope's revision so two
        // concurrent events of one session never lose an update (the loser runs again).
        let stateRevisions = stateWrites.isEmpty ? [:] : [scope: snapshot.revision]
        let commit = RunCommit(
            resume: resume,
            stateWrites: stateWrites,
            stateRevisions: stateRevisions,
            dedupe: records.dedupe,
            inbox: records.inbox,
            outbox: outbox,
            replyLease: outbox.isEmpty ? nil : records.replyLease,
            committedAt: now
        )
        let leased: [OutboxLease]
        do {
            leased = commit.isEmpty ? [] : try await store.commit(commit)
        } catch  where error.code == .revisionConflict || error.code == .duplicate {
            // A duplicate committed first: the next attempt reads its answer and replays it.
            return .conflict
        } catch  where error.code == .claimLost {
            logger.warning("the event was taken over by another holder; this run's results are discarded")
            return .done(.superseded)
        } catch {
            logger.error("committing the run failed", metadata: ["error": .string(error.description)])
            return .done(.unavailable(error.description))
        }
        return .done(.ran(output: output, replies: outbox.count, leased: leased))
    }

    /// Commits a failed run's bookkeeping alone (its recorded failure).
    private func commitFailure(
        _ message: String,
        bookkeeping: (FlowResult) -> Bookkeeping,
        logger: EventLogger
    ) async -> Attempt {
        let records = bookkeeping(.failed(message))
        let commit = RunCommit(dedupe: records.dedupe, inbox: records.inbox)
        do {
            if !commit.isEmpty { try await dependencies.store.commit(commit) }
            return .done(.flowFailed(message))
        } catch  where error.code == .claimLost {
            return .done(.superseded)
        } catch  where error.code == .duplicate {
            // A duplicate recorded its answer first: replay it (read here, since the failure
            // may come before the run's own read of the key).
            guard let completion = records.dedupe, case .unclaimed(let now) = completion.hold else { return .conflict }
            do {
                if let answered = try await dependencies.store.dedupeState(completion.key, now: now) {
                    return .done(.answered(answered))
                }
                return .conflict
            } catch {
                return .done(.unavailable(error.description))
            }
        } catch {
            logger.error("recording the failure failed", metadata: ["error": .string(error.description)])
            return .done(.unavailable(error.description))
        }
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
