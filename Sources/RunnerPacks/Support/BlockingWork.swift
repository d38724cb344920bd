internal import NIOPosix

/// Runs blocking file I/O and CPU-heavy verification on NIO's shared thread pool, so callers
/// in async code never stall the Swift concurrency pool or an event loop.
enum BlockingWork {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws(PackError) -> T) async throws(PackError) -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive { try work() }
        } catch let error as PackError {
            throw error
        } catch {
            throw PackError(code: .io, message: "blocking work could not run: \(error)", cause: error)
        }
    }
}
