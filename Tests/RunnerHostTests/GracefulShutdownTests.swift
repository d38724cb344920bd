import Foundation
import Logging
import RunnerHost
import RunnerTestSupport
import ServiceLifecycle
import Testing

/// A node leaving (SIGTERM, a deploy) answers every request it already took.
@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    static let slow = """
        id: slow
        type: webhook
        nodes:
          work: {slowpoke: {}}
        """

    @Test func requestsInFlightWhenShutdownStartsAreAnswered() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(
            TestPack(flows: [Self.slow], components: ["slowpoke": TestComponents.constant(#""done""#, spinning: 1_500_000)])
        )
        var configuration = deployment.configuration(
            bindings: [
                try deployment.bindings(
                    """
                    tenant: demo
                    flow_type_bindings:
                      webhook: {adapter: generic}
                    runtime: {timeout_ms: 20000, fuel: 100000000000}
                    """
                )
            ]
        )
        configuration.http.host = "127.0.0.1"
        configuration.http.port = 0
        var logger = Logger(label: "test.shutdown")
        logger.logLevel = .critical
        let (ports, reportPort) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(
            services: [
                RunnerHost(configuration: configuration, environment: [:], logger: logger, onServerRunning: { reportPort.yield($0) })
            ],
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let client = LiveClient(port: port)
            let started = ContinuousClock.now
            #expect(try await client.post("/webhook/slow", "").status == 200)
            let one = ContinuousClock.now - started
            // Eight requests, each running a node that takes about `one`; shut down while they run.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { requests in
                for _ in 0..<8 { requests.addTask { try await client.post("/webhook/slow", "").status } }
                try await Task.sleep(for: one / 4)
                await group.triggerGracefulShutdown()
                return try await requests.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8), "every request taken before the shutdown is answered")
            try await tasks.waitForAll()
        }
    }
}
