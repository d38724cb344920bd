internal import RunnerCore
internal import RunnerFlow

/// Decides how an event continues a paused conversation after reloads.
///
/// - The record's pack version is still served, retained from before a reload, or still in the
///   pack cache (restored by ``PackVersionRestorer``, e.g. after a restart): resume on it.
/// - Otherwise, the current version still has the saved node: resume on the current version
///   (logged as a version change unless the flow's hash is unchanged).
/// - Otherwise (or the record is unreadable): the conversation ends with a logged notice and
///   the event starts a new run; the old record is replaced by the new run's outcome.
struct ResumePlanner {
    let tenants: ActiveTenants
    /// Brings back versions no longer in memory; `nil` looks only at what is loaded.
    var restorer: PackVersionRestorer?

    struct Plan {
        var runtime: TenantRuntime
        var snapshot: FlowSnapshot?
        var notice: String?
    }

    func plan(record: ResumeRecord?, flow: FlowDefinition, current: TenantRuntime) async -> Plan {
        guard let record else { return Plan(runtime: current) }
        guard let snapshot = FlowSnapshot(json: record.snapshot), snapshot.flowID == flow.id else {
            return Plan(runtime: current, notice: "the paused conversation's saved state is unreadable; starting a new run")
        }
        if current.flowOwners[flow.id]?.digest == record.packDigest {
            return Plan(runtime: current, snapshot: snapshot)
        }
        if let retained = tenants.runtime(for: current.tenant, flowID: flow.id, packDigest: record.packDigest) {
            return Plan(runtime: retained, snapshot: snapshot)
        }
        if let restorer, let restored = await restorer.restore(flowID: flow.id, packDigest: record.packDigest, current: current) {
            return Plan(runtime: restored, snapshot: snapshot)
        }
        if current.engine.flows[flow.id]?.nodes[snapshot.nextNode] != nil {
            let unchanged = !record.flowHash.isEmpty && current.flowOwners[flow.id]?.flowHashes[flow.id] == record.flowHash
            return Plan(
                runtime: current,
                snapshot: snapshot,
                notice: unchanged ? nil : "resuming a conversation paused on pack \(record.packDigest) on the current version"
            )
        }
        return Plan(
            runtime: current,
            notice:
                "the conversation paused at node '\(snapshot.nextNode)' of pack \(record.packDigest), which is neither loaded nor in the pack cache, and whose node the current version lacks; it ended and this event starts a new run"
        )
    }
}
