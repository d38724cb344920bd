import RunnerCore
import Testing

extension RunnerStoreConformance {
    /// How many tasks race in each concurrency check.
    static let contenders = 20

    func concurrentInsertsOneWins(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        let results = await withTaskGroup(of: (Int, StoreError?).self) { group in
            for index in 0..<Self.contenders {
                group.addTask {
                    do throws(StoreError) {
                        let record = Fixture.record(key, nextNode: "node-\(index)")
                        try await store.commit(RunCommit(resume: .save(record, expectedRevision: nil)))
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try checkOneWinner(results)
        let winner = results.first { $0.1 == nil }?.0 ?? -1  // checked above
        let loaded = try await store.resumeRecord(for: key, now: Fixture.at(1))
        #expect(loaded?.nextNode == "node-\(winner)")
        #expect(loaded?.revision == 1)
    }

    func concurrentUpdatesOneWins(_ store: any RunnerStore) async throws {
        let key = Fixture.resumeKey()
        try await store.commit(RunCommit(resume: .save(Fixture.record(key), expectedRevision: nil)))
        let results = await withTaskGroup(of: (Int, StoreError?).self) { group in
            for index in 0..<Self.contenders {
                group.addTask {
                    do throws(StoreError) {
                        let record = Fixture.record(key, nextNode: "node-\(index)")
                        let write = Fixture.write(.keyValue, "winner", [UInt8(index)])
                        try await store.commit(RunCommit(resume: .save(record, expectedRevision: 1), stateWrites: [write]))
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try checkOneWinner(results)
        let winner = results.first { $0.1 == nil }?.0 ?? -1  // checked above
        let loaded = try await store.resumeRecord(for: key, now: Fixture.at(1))
        #expect(loaded?.nextNode == "node-\(winner)")
        #expect(loaded?.revision == 2)
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot(keyValues: ["winner": [UInt8(winner)]]))
    }

    func concurrentClaimsOneWins(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let claims = try await withThrowingTaskGroup(of: DedupeClaim.self) { group in
            for _ in 0..<Self.contenders {
                group.addTask {
                    try await store.claim(key, leaseUntil: Fixture.at(30_000), now: Fixture.at(0))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let claimed = claims.filter { if case .claimed = $0 { true } else { false } }
        #expect(claimed.count == 1, "exactly one claim wins: \(claims)")
        #expect(claims.filter { $0 == .inProgress }.count == Self.contenders - 1)
    }

    func concurrentUnclaimedAnswersOneWins(_ store: any RunnerStore) async throws {
        let key = Fixture.dedupeKey()
        let results = await withTaskGroup(of: (Int, StoreError?).self) { group in
            for index in 0..<Self.contenders {
                group.addTask {
                    let commit = RunCommit(
                        stateWrites: [Fixture.write(Fixture.scope(session: "s\(index)"), .keyValue, "n", [UInt8(index)])],
                        dedupe: .init(
                            key: key,
                            hold: .unclaimed(now: Fixture.at(0)),
                            response: StoredResponse(status: 200, body: [UInt8(index)]),
                            retainUntil: Fixture.at(60_000)
                        ),
                        committedAt: Fixture.at(0)
                    )
                    do throws(StoreError) {
                        try await store.commit(commit)
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = results.filter { $0.1 == nil }.map { $0.0 }
        #expect(winners.count == 1, "exactly one answer is recorded: \(winners)")
        #expect(results.allSatisfy { $0.1 == nil || $0.1?.code == .duplicate }, "\(results)")
        let winner = winners.first ?? -1
        #expect(try await store.dedupeState(key, now: Fixture.at(1)) == .completed(StoredResponse(status: 200, body: [UInt8(winner)])))
        for index in 0..<Self.contenders {
            let contents = try await store.stateSnapshot(for: Fixture.scope(session: "s\(index)")).contents
            #expect(contents == (index == winner ? StateSnapshot(keyValues: ["n": [UInt8(index)]]) : StateSnapshot()), "contender \(index)")
        }
    }

    /// Exactly one of `results` succeeded; every other one failed with a revision conflict.
    func checkOneWinner(_ results: [(Int, StoreError?)], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(results.count == Self.contenders, sourceLocation: sourceLocation)
        let winners = results.filter { $0.1 == nil }
        #expect(winners.count == 1, "exactly one commit wins, got \(winners.map(\.0))", sourceLocation: sourceLocation)
        for (index, error) in results {
            if let error {
                #expect(error.code == .revisionConflict, "contender \(index): \(error)", sourceLocation: sourceLocation)
            }
        }
    }
}
