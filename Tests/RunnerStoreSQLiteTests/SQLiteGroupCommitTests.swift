import Foundation
import GRDB
import RunnerCore
import Synchronization
import Testing

@testable import RunnerStoreSQLite

@Suite("SQLite group commit")
struct SQLiteGroupCommitTests {
    /// Counts the transactions the writer connection committed.
    final class CommitCounter: TransactionObserver, Sendable {
        let commits = Mutex(0)
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
        func databaseDidRollback(_ db: Database) {}
    }

    struct Refused: Error {}

    @Test func writesThatArriveTogetherShareOneTransactionAndFailAlone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pool = try DatabasePool(path: directory.path("group.sqlite"))
        try await pool.write { try $0.execute(sql: "CREATE TABLE t (n INTEGER PRIMARY KEY)") }
        let counter = CommitCounter()
        pool.add(transactionObserver: counter, extent: .databaseLifetime)
        let group = SQLiteGroupCommit(pool: pool)

        // The first write holds the writer until twenty more are waiting: those twenty then go
        // in one group, and the odd ones fail after writing a row.
        let release = DispatchSemaphore(value: 0)
        let firstIsRunning = Atomic(false)
        async let first: Int = group.write { db in
            firstIsRunning.store(true, ordering: .sequentiallyConsistent)
            release.wait()
            try db.execute(sql: "INSERT INTO t (n) VALUES (1000)")
            return 1000
        }
        while !firstIsRunning.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(1)) }
        let results = try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { tasks in
            for n in 0..<20 {
                tasks.addTask {
                    do {
                        let value = try await group.write { db in
                            try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n])
                            if n % 2 == 1 { throw Refused() }
                            return n
                        }
                        return (n, .success(value))
                    } catch {
                        return (n, .failure(error))
                    }
                }
            }
            while group.waitingCount < 20 { try await Task.sleep(for: .milliseconds(1)) }
            release.signal()
            var collected: [Int: Result<Int, any Error>] = [:]
            for try await (n, result) in tasks { collected[n] = result }
            return collected
        }
        #expect(try await first == 1000)
        for n in 0..<20 {
            if n % 2 == 0 {
                #expect(try results[n]?.get() == n)
            } else {
                #expect(throws: Refused.self) { try results[n]?.get() }
            }
        }
        let stored = try await pool.read { try Int.fetchAll($0, sql: "SELECT n FROM t ORDER BY n") }
        #expect(stored == Array(stride(from: 0, to: 20, by: 2)) + [1000], "only the writes that returned were kept")
        #expect(counter.commits.withLock { $0 } == 2, "one transaction for the first write, one for the twenty")
    }

    @Test func whenTheGroupCannotCommitEveryWriteInItFailsAndNothingIsKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("group.sqlite")
        let pool = try DatabasePool(
            path: path,
            configuration: {
                var c = Configuration()
                c.busyMode = .timeout(0.2)
                return c
            }()
        )
        try await pool.write { try $0.execute(sql: "CREATE TABLE t (n INTEGER PRIMARY KEY)") }
        let group = SQLiteGroupCommit(pool: pool)
        // Another connection holds the write lock: the group's BEGIN IMMEDIATE times out.
        let (holder, release) = try await SQLiteRunnerStoreTests.holdWriteLockUntilReleased(path: path)
        await withTaskGroup(of: Void.self) { tasks in
            for n in 0..<5 {
                tasks.addTask {
                    await #expect(throws: DatabaseError.self) {
                        try await group.write { db in try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n]) }
                    }
                }
            }
        }
        release()
        try await holder.value
        #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 0)
        try await group.write { db in try db.execute(sql: "INSERT INTO t (n) VALUES (7)") }
        #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 1, "the writer recovers")
    }
}
