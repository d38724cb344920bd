import Foundation
import RunnerCore
import RunnerFlow
import RunnerTestSupport
import Testing

@testable import RunnerHost

@Suite("Dedupe gate")
struct DedupeGateTests {
    @Test func aClaimHoldsForTheConfiguredLeaseThenARedeliveryTakesItOver() async throws {
        var configuration = RunnerHostConfiguration()
        configuration.flowLimits.maxWallTimeMs = 10_000
        #expect(configuration.effectiveDedupeLeaseSeconds == 70, "the event's deadline (FLOW_TIMEOUT) and a minute to commit")
        configuration.flowLimits.maxWallTimeMs = 600_000
        configuration.wasm.timeoutMs = 900_000
        #expect(configuration.effectiveDedupeLeaseSeconds == 660, "a component's own longer limit is cut off at the deadline")
        configuration.sessions.dedupeLeaseSeconds = 45
        let store = InMemoryRunnerStore()
        let gate = DedupeGate(store: store, sessions: configuration.sessions, leaseSeconds: configuration.effectiveDedupeLeaseSeconds)
        let clock = ManualClock()
        let key = DedupeKey(tenant: "demo", namespace: "webhook", id: "k1")
        guard case .claimed = await gate.claim(key, now: clock.now) else {
            Issue.record("the first request claims the event")
            return
        }
        // The request's process died mid-run: its claim is never completed nor released.
        clock.advance(by: 44)
        guard case .busy = await gate.claim(key, now: clock.now) else {
            Issue.record("a redelivery within the lease is told the event is being processed")
            return
        }
        clock.advance(by: 1)
        guard case .claimed = await gate.claim(key, now: clock.now) else {
            Issue.record("once the lease ran out a redelivery runs the event")
            return
        }
    }
}
