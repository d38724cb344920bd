import Foundation
import Logging
import NIOHTTP1
import RunnerCore
import RunnerFlow
import RunnerHost
import RunnerTestSupport
import Testing

/// Tests whose guest spins until its timeout, each holding a core meanwhile: run one at a time,
/// so two spinning guests never starve the rest of a 2-core machine's test run.
@Suite("Spinning guests", .serialized)
struct SpinningGuestTests {
    @Test func aRetryDuringProcessingGetsTheFirstAnswerAndAFailureIsReplayedNotRerun() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.spin], components: ["spinner": TestComponents.spin]))
        let configuration = deployment.configuration(bindings: [
            try deployment.bindings(DedupeAndIsolationTests.bindings(tenant: "demo", timeoutMs: 1500))
        ])
        let logs = LogRecorder()
        try await withLiveHost(configuration, logger: logs.logger) { client async throws in
            let key = [("Idempotency-Key", "order-1")]
            async let first = client.post("/webhook/spin", "", headers: key)
            try await Task.sleep(for: .milliseconds(300))
            // No claim is taken before a run: the retry finds the first answer recorded (when
            // it commits, or when it reads after its run failed to) and answers with it.
            let retry = try await client.post("/webhook/spin", "", headers: key)
            let failed = try await first
            #expect(failed.status == 500)
            #expect(retry.status == 500)
            #expect(retry.text == failed.text)
            // The retry ran too, unless its guest call was still queued behind the first one's
            // when that answer was recorded.
            let runs = { logs.recorded.filter { $0.message == "flow failed" }.count }
            let ran = runs()
            #expect((1...2).contains(ran))
            // The failure is the recorded answer: a redelivery gets it without running the flow again.
            let replay = try await client.post("/webhook/spin", "", headers: key)
            #expect(replay.status == 500)
            #expect(replay.text == failed.text)
            #expect(runs() == ran, "the replay did not run the flow")
        }
    }

    @Test func aSpinningTenantDoesNotStallAnotherTenantsComponents() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let pack = TestPack(
            flows: [TestFlows.spin, TestFlows.hello],
            components: ["spinner": TestComponents.spin, "greeter": try TestComponents.greeter]
        )
        let digest = try pack.write(to: deployment.directory.appendingPathComponent("shared.gtpack"))
        let entry = #"{"main_pack":{"name":"test.pack","digest":"\#(digest)","locator":"shared.gtpack"}}"#
        try Data(#"{"demo":\#(entry),"other":\#(entry)}"#.utf8).write(to: URL(fileURLWithPath: deployment.indexPath))
        var configuration = deployment.configuration(bindings: [
            try deployment.bindings(DedupeAndIsolationTests.bindings(tenant: "demo", timeoutMs: 4000), tenant: "demo"),
            try deployment.bindings(DedupeAndIsolationTests.bindings(tenant: "other", timeoutMs: 5000), tenant: "other"),
        ])
        configuration.tenancy = .init(resolver: .header, defaultTenant: "demo")
        configuration.wasm.workers = 2
        let spinDone = Flag()
        try await withLiveHost(configuration) { client async throws in
            async let spinning: LiveResponse = {
                let response = try await client.request(.POST, "/webhook/spin", headers: [("x-greentic-tenant", "demo")])
                spinDone.set()
                return response
            }()
            try await Task.sleep(for: .milliseconds(300))
            // While tenant demo's guest spins (4 s timeout), tenant other's components run.
            for round in 1...3 {
                let reply = try await client.post("/webhook/hello", "Bo", headers: [("x-greentic-tenant", "other")])
                #expect(reply.text == "Hello, Bo! visit \(round)")
            }
            #expect(spinDone.isSet == false, "the other tenant was answered while the guest still spun")
            #expect(try await spinning.status == 500)
        }
    }

    @Test func aSpinningWasmNodeFailsAloneWhileTheServerKeepsAnswering() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(
            TestPack(
                flows: [TestFlows.spin, TestFlows.hello],
                components: ["spinner": TestComponents.spin, "greeter": try TestComponents.greeter]
            )
        )
        // Long enough for the six requests below even on a loaded 2-core machine.
        let bindings = demoBindings.replacingOccurrences(of: "timeout_ms: 300", with: "timeout_ms: 6000")
        let configuration = deployment.configuration(bindings: [try deployment.bindings(bindings)])
        let spinDone = Flag()
        try await withLiveHost(configuration) { client async throws in
            async let spinning: LiveResponse = {
                let response = try await client.post("/webhook/spin", "")
                spinDone.set()
                return response
            }()
            try await Task.sleep(for: .milliseconds(200))
            // While the guest spins, other requests of the same tenant — Wasm ones included — are answered.
            for _ in 0..<3 {
                #expect(try await client.get("/healthz").status == 200)
                #expect(try await client.post("/webhook/hello", "Ada").status == 200)
            }
            #expect(spinDone.isSet == false, "answered while the guest was still spinning")
            let spun = try await spinning
            #expect(spun.status == 500)
            #expect(spun.text == #"{"error":"webhook flow failed"}"#)
            #expect(try await client.post("/webhook/hello", "Ada").status == 200)
        }
    }

    /// FLOW_TIMEOUT is the event's deadline: a component whose own limit is a minute is cut off
    /// when the flow's second is up, so the run ends within its dedupe lease.
    @Test func theFlowTimeoutCutsOffAComponentWithALongerLimit() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.spin], components: ["spinner": TestComponents.spin]))
        var configuration = deployment.configuration(bindings: [
            try deployment.bindings(DedupeAndIsolationTests.bindings(tenant: "demo", timeoutMs: 60_000))
        ])
        configuration.flowLimits.maxWallTimeMs = 1_000
        let logs = LogRecorder()
        try await withLiveHost(configuration, logger: logs.logger) { client async throws in
            let started = ContinuousClock.now
            let response = try await client.post("/webhook/spin", "", headers: [("Idempotency-Key", "cut")])
            #expect(response.status == 500)
            #expect(ContinuousClock.now - started < .seconds(30), "cut at the flow's deadline, not the component's minute")
            #expect(
                logs.recorded.contains { "\($0.metadata["error"] ?? "")".contains("the event's deadline") },
                "\(logs.recorded.map(\.message))"
            )
        }
    }
}
