import GRDB
import NIOPosix
import RunnerCore
import Synchronization

/// The store's read side: read-only connections of its own, and as many threads, each read
/// taking a free connection on a thread of `threads` with no further hand-off.
///
/// GRDB's `DatabasePool` reads cost three thread hand-offs with its `async` API (to the queue
/// that waits for a free reader, to the reader's queue, and back), and its reader pool takes a
/// semaphore and a barrier on a concurrent queue per read even from a thread; here a read is one
/// hand-off each way and an uncontended lock. Profiled under `benchmarks/run.sh`, GRDB's pool
/// alone was about a tenth of a read-only webhook request's CPU.
///
/// Each read runs in a `DEFERRED` transaction, so it sees one snapshot of the database (WAL
/// lets it run while the writer commits).
final class SQLiteReaders: Sendable {
    private let threads: NIOThreadPool
    /// Connections not in use. The threads never outnumber them, so a read always finds one.
    private let idle: Mutex<[DatabaseQueue]>
    private let all: [DatabaseQueue]

    /// Opens `count` read-only connections to the database at `path` (which exists and is in
    /// WAL mode) and starts as many threads.
    init(path: String, count: Int, busyTimeout: Duration) throws {
        var config = GRDB.Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout.timeInterval)
        config.label = "greentic-runner.store.reader"
        // A read whose ROLLBACK failed leaves its transaction open: the next read on that
        // connection ends it (GRDB's check would stop the process instead).
        config.allowsUnsafeTransactions = true
        let connections = try (0..<max(1, count)).map { _ in try DatabaseQueue(path: path, configuration: config) }
        all = connections
        idle = Mutex(connections)
        threads = NIOThreadPool(numberOfThreads: connections.count)
        threads.start()
    }

    deinit {
        // Readers dropped without `close()` still let their threads end.
        threads.shutdownGracefully { _ in }
    }

    /// Runs `body` in a read transaction on a reader thread.
    ///
    /// Task cancellation is not observed: a read is short, and bounded by the busy timeout.
    /// (NIO's cancellable `runIfActive` remembers every read cancelled after it started.)
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            threads.submit { [self] state in
                guard case .active = state else {
                    continuation.resume(throwing: StoreError(.backend, "SQLite store: closed"))
                    return
                }
                continuation.resume(with: Result { try read(on: body) })
            }
        }
    }

    /// Runs `body` in a read transaction on a free connection, on the calling reader thread.
    private func read<T>(on body: (Database) throws -> T) throws -> T {
        guard let connection = idle.withLock({ $0.popLast() }) else {
            // Unreachable: one connection per thread.
            throw StoreError(.backend, "SQLite store: no free read connection")
        }
        defer { idle.withLock { $0.append(connection) } }
        return try connection.inDatabase { db in
            if db.isInsideTransaction { try db.execute(cached: "ROLLBACK") }
            try db.execute(cached: "BEGIN DEFERRED TRANSACTION")
            do {
                let value = try body(db)
                try db.execute(cached: "COMMIT")
                return value
            } catch {
                if !db.isInsideTransaction { throw error }
                try? db.execute(cached: "ROLLBACK")
                throw error
            }
        }
    }

    /// Stops the threads (queued reads fail, running ones finish) and closes every connection,
    /// then throws the first error. Blocks: call it off the cooperative pool.
    func close() throws {
        try closeEach([threads.syncShutdownGracefully] + all.map { $0.close })
    }
}
