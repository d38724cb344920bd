import GRDB
import RunnerCore
import Synchronization

/// Group commit: the writes of concurrent callers share one SQLite transaction, and so one
/// WAL sync, instead of paying one each.
///
/// Every write runs in a savepoint of its own inside the group's `IMMEDIATE` transaction, so it
/// stays atomic on its own: a write that throws rolls back to its savepoint and leaves the
/// others untouched. No caller hears back before the group's `COMMIT` returned (an answer is
/// never given for a write that is not yet durable), and when the transaction as a whole fails
/// (its `BEGIN` times out on another process's lock, `COMMIT` fails, SQLite aborts it) every
/// caller in it gets that error and nothing of theirs was written. Writes in one group see each
/// other in arrival order, exactly as if they had run one after another.
///
/// There is no timer and no waiting for company: a group is whatever arrived while the previous
/// group held the writer connection, so a lone write costs what it cost before.
final class SQLiteGroupCommit: Sendable {
    /// One caller's write: runs its body in its savepoint and returns how to answer the caller
    /// once the group's fate is known (`nil`: committed).
    private struct Job: Sendable {
        let run: @Sendable (Database) -> @Sendable ((any Error)?) -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue: ~Copyable {
        var jobs: [Job] = []
        var drainScheduled = false
    }

    private let pool: DatabasePool
    private let queue = Mutex(Queue())
    /// The most writes in one transaction (bounds how long one group holds the write lock).
    let maxGroupSize: Int

    init(pool: DatabasePool, maxGroupSize: Int = 128) {
        self.pool = pool
        self.maxGroupSize = max(1, maxGroupSize)
    }

    /// Runs `body` atomically in the next group and returns its result once the group committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    let result: Result<T, any Error>
                    do {
                        result = .success(try Self.inSavepoint(db, body))
                    } catch {
                        result = .failure(error)
                    }
                    return { groupError in
                        switch result {
                        case .success(let value):
                            if let groupError { continuation.resume(throwing: groupError) } else { continuation.resume(returning: value) }
                        case .failure(let error):
                            // Its savepoint was rolled back: its own error stands either way.
                            continuation.resume(throwing: error)
                        }
                    }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            let schedule = queue.withLock { queue in
                queue.jobs.append(job)
                defer { queue.drainScheduled = true }
                return !queue.drainScheduled
            }
            if schedule { scheduleDrain() }
        }
    }

    /// Runs `body` in a savepoint, rolled back when it throws. (GRDB's `inSavepoint` compiles
    /// its three statements on every call; these come from the statement cache.)
    private static func inSavepoint<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        try db.execute(cached: "SAVEPOINT grouped_write")
        do {
            let value = try body(db)
            try db.execute(cached: "RELEASE SAVEPOINT grouped_write")
            return value
        } catch {
            // When SQLite already rolled the whole transaction back there is no savepoint left;
            // `drain` sees that and fails the group.
            if db.isInsideTransaction {
                do {
                    try db.execute(cached: "ROLLBACK TO SAVEPOINT grouped_write")
                    try db.execute(cached: "RELEASE SAVEPOINT grouped_write")
                } catch {
                    // The failed write could not be undone on its own: end the whole
                    // transaction, so `drain` fails the group and nothing of it is kept.
                    try? db.execute(cached: "ROLLBACK TRANSACTION")
                }
            }
            throw error
        }
    }

    /// Writes waiting for the next group (for tests).
    var waitingCount: Int { queue.withLock { $0.jobs.count } }

    private func scheduleDrain() {
        pool.asyncWriteWithoutTransaction { [self] db in drain(db) }
    }

    /// Runs on the writer connection: takes what has arrived and commits it as one group.
    private func drain(_ db: Database) {
        let (jobs, more) = queue.withLock { queue in
            let taken = Array(queue.jobs.prefix(maxGroupSize))
            queue.jobs.removeFirst(taken.count)
            queue.drainScheduled = !queue.jobs.isEmpty
            return (taken, queue.drainScheduled)
        }
        // Later arrivals queue behind this group on the writer's serial queue.
        if more { scheduleDrain() }
        guard !jobs.isEmpty else { return }
        var answers: [@Sendable ((any Error)?) -> Void] = []
        answers.reserveCapacity(jobs.count)
        do {
            // BEGIN and COMMIT from the statement cache: GRDB's `inTransaction` compiles both
            // on every call, which cost more than most groups' writes.
            try db.execute(cached: "BEGIN IMMEDIATE TRANSACTION")
            do {
                for job in jobs {
                    answers.append(job.run(db))
                    // SQLite rolls the whole transaction back on some errors (full disk, I/O
                    // error): then nothing of the group was written, and it must not go on.
                    guard db.isInsideTransaction else {
                        throw StoreError(.backend, "SQLite rolled back the group's transaction")
                    }
                }
                try db.execute(cached: "COMMIT TRANSACTION")
            } catch {
                // A failed COMMIT (or a failed write that ended the transaction) leaves nothing
                // to keep: roll back whatever is still open, so the next group starts clean.
                if db.isInsideTransaction { try? db.execute(cached: "ROLLBACK TRANSACTION") }
                throw error
            }
        } catch {
            for answer in answers { answer(error) }
            for job in jobs.dropFirst(answers.count) { job.fail(error) }
            return
        }
        for answer in answers { answer(nil) }
    }
}
