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
        configuration.store = try .init(url: "instrumented://")
        let store = InstrumentedStore()
        let stores = StoreFactory.builtIn.with(scheme: "instrumented") { _ in .init(store: store, close: {}) }
        var logger = Logger(label: "test.shutdown")
        logger.logLevel = .critical
        let (ports, reportPort) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(
            services: [
                RunnerHost(
                    configuration: configuration,
                    environment: [:],
                    logger: logger,
                    stores: stores,
                    onServerRunning: { reportPort.yield($0) }
                )
            ],
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let client = LiveClient(port: port)
            // Eight requests running a slow node; shut down once every one has looked up its key
            // (it was read and its flow is starting).
            let statuses = try await withThrowingTaskGroup(of: Int.self) { requests in
                for index in 0..<8 {
                    requests.addTask { try await client.post("/webhook/slow", "", headers: [("Idempotency-Key", "k\(index)")]).status }
                }
                #expect(try await eventually { store.dedupedRuns == 8 })
                await group.triggerGracefulShutdown()
                return try await requests.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8), "every request taken before the shutdown is answered")
            try await tasks.waitForAll()
        }
    }
}
