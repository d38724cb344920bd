public import Logging
public import ServiceLifecycle

/// Runs a server `Service` for the duration of `body`: waits until it reports its port, hands
/// the port to `body`, then shuts the service down gracefully (as SIGTERM would) and waits for
/// it. A service that stops before listening surfaces its error.
public func withRunningService<T: Sendable>(
    logger: Logger,
    _ makeService: (_ reportPort: @escaping @Sendable (Int) -> Void) -> any Service,
    _ body: (Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let group = ServiceGroup(services: [makeService { continuation.yield($0) }], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await tasks.waitForAll()
            throw HostDidNotStart()
        }
        let result: T
        do {
            result = try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// The service stopped before it reported a port.
public struct HostDidNotStart: Error {}
