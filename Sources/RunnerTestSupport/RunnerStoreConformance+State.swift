import RunnerCore
import Testing

extension RunnerStoreConformance {
    func stateUnknownScopeIsEmpty(_ store: any RunnerStore) async throws {
        #expect(try await store.stateSnapshot(for: Fixture.scope()).contents == StateSnapshot())
        #expect(try await store.stateSnapshot(for: Fixture.scope(session: "")).contents == StateSnapshot())
    }

    func stateWritesLandByKind(_ store: any RunnerStore) async throws {
        let scope = Fixture.scope()
        try await store.commit(
            RunCommit(stateWrites: [
                Fixture.write(scope, .component, "greeter", [1, 2, 3]),
                Fixture.write(scope, .keyValue, "counter", [4]),
                Fixture.write(scope, .keyValue, "greeter", [9]),  // same name, other kind
            ])
        )
        #expect(
            try await store.stateSnapshot(for: scope).contents
                == StateSnapshot(components: ["greeter": [1, 2, 3]], keyValues: ["counter": [4], "greeter": [9]])
        )

        try await store.commit(RunCommit(stateWrites: [Fixture.write(scope, .keyValue, "counter", [5, 6])]))
        #expect(
            try await store.stateSnapshot(for: scope).contents
                == StateSnapshot(components: ["greeter": [1, 2, 3]], keyValues: ["counter": [5, 6], "greeter": [9]])
        )
    }

    func stateNilDeletes(_ store: any RunnerStore) async throws {
        let scope = Fixture.scope()
        try await store.commit(
            RunCommit(stateWrites: [
                Fixture.write(scope, .component, "greeter", [1]),
                Fixture.write(scope, .keyValue, "greeter", [2]),
                Fixture.write(scope, .keyValue, "other", [3]),
            ])
        )
        try await store.commit(
            RunCommit(stateWrites: [
                Fixture.write(scope, .component, "greeter", nil),
                Fixture.write(scope, .keyValue, "never-written", nil),
            ])
        )
        #expect(try await store.stateSnapshot(for: scope).contents == StateSnapshot(keyValues: ["greeter": [2], "other": [3]]))

        // Within one commit, writes apply in order: the last one wins.
        try await store.commit(
            RunCommit(stateWrites: [
                Fixture.write(scope, .keyValue, "other", nil),
                Fixture.write(scope, .keyValue, "x", [1]),
                Fixture.write(scope, .keyValue, "x", [2]),
                Fixture.write(scope, .keyValue, "y", [1]),
                Fixture.write(scope, .keyValue, "y", nil),
            ])
        )
        #expect(try await store.stateSnapshot(for: scope).contents == StateSnapshot(keyValues: ["greeter": [2], "x": [2]]))

        try await store.commit(
            RunCommit(stateWrites: [Fixture.write(scope, .keyValue, "greeter", nil), Fixture.write(scope, .keyValue, "x", nil)])
        )
        #expect(try await store.stateSnapshot(for: scope).contents == StateSnapshot())
    }

    func stateScopesAreIsolated(_ store: any RunnerStore) async throws {
        let scopes = [
            Fixture.scope(),
            Fixture.scope(tenant: "tenant-b"),
            Fixture.scope(pack: "pack-b"),
            Fixture.scope(session: "telegram:chat:43"),
            Fixture.scope(session: ""),  // tenant-wide
        ]
        var writes: [StateWrite] = []
        for (index, scope) in scopes.enumerated() {
            writes.append(Fixture.write(scope, .component, "greeter", [UInt8(index)]))
            writes.append(Fixture.write(scope, .keyValue, "key-\(index)", [UInt8(index), 0xAA]))
        }
        try await store.commit(RunCommit(stateWrites: writes))

        for (index, scope) in scopes.enumerated() {
            let expected = StateSnapshot(components: ["greeter": [UInt8(index)]], keyValues: ["key-\(index)": [UInt8(index), 0xAA]])
            #expect(try await store.stateSnapshot(for: scope).contents == expected, "\(scope)")
        }

        try await store.commit(RunCommit(stateWrites: [Fixture.write(scopes[0], .component, "greeter", nil)]))
        #expect(try await store.stateSnapshot(for: scopes[1]).components["greeter"] == [1])
        #expect(try await store.stateSnapshot(for: Fixture.scope(tenant: "tenant-c")).contents == StateSnapshot())
    }

    func stateBinaryRoundTrips(_ store: any RunnerStore) async throws {
        let scope = Fixture.scope()
        let values: [String: [UInt8]] = [
            "nul": [0x00],
            "ff": [0xFF],
            "mixed": [0x00, 0xFF, 0x00, 0x80, 0xC3, 0x28],  // not UTF-8
            "every-byte": (0...255).map { UInt8($0) },
            "empty": [],
            "large": (0..<262_144).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) },
        ]
        try await store.commit(
            RunCommit(
                stateWrites: values.map { Fixture.write(scope, .component, $0.key, $0.value) }
                    + values.map { Fixture.write(scope, .keyValue, $0.key, $0.value) }
            )
        )
        let snapshot = try await store.stateSnapshot(for: scope)
        #expect(snapshot.components == values)
        #expect(snapshot.keyValues == values)
        #expect(snapshot.components["empty"] == [], "an empty value is stored, not deleted")
    }
}

extension StateSnapshot {
    /// The values without the revision, for comparing contents.
    var contents: StateSnapshot { StateSnapshot(components: components, keyValues: keyValues) }
}

extension RunnerStoreConformance {
    func stateRevisionAdvancesWithEveryWrite(_ store: any RunnerStore) async throws {
        let scope = Fixture.scope()
        #expect(try await store.stateSnapshot(for: scope).revision == 0)
        try await store.commit(RunCommit(stateWrites: [Fixture.write(scope, .component, "c", [1])], stateRevisions: [scope: 0]))
        #expect(try await store.stateSnapshot(for: scope).revision == 1)
        try await store.commit(RunCommit(stateWrites: [Fixture.write(scope, .component, "c", [2])]))
        #expect(try await store.stateSnapshot(for: scope).revision == 2, "a write without a check still advances the revision")
        try await store.commit(RunCommit(stateWrites: [Fixture.write(scope, .component, "c", nil)], stateRevisions: [scope: 2]))
        let emptied = try await store.stateSnapshot(for: scope)
        #expect(emptied.revision == 3, "deleting every value keeps the revision")
        #expect(emptied.contents == StateSnapshot())
        #expect(try await store.stateSnapshot(for: Fixture.scope(session: "other")).revision == 0, "revisions are per scope")
    }

    func stateOfIdleSessionsIsPurged(_ store: any RunnerStore) async throws {
        let idle = Fixture.scope(session: "telegram:chat:idle")
        let paused = Fixture.scope(session: "telegram:chat:paused")
        let recent = Fixture.scope(session: "telegram:chat:recent")
        let tenantWide = Fixture.scope(session: "")
        let unstamped = Fixture.scope(session: "telegram:chat:unstamped")
        for scope in [idle, paused, tenantWide] {
            try await store.commit(
                RunCommit(
                    stateWrites: [Fixture.write(scope, .component, "c", [1]), Fixture.write(scope, .keyValue, "k", [2])],
                    committedAt: Fixture.at(1_000)
                )
            )
        }
        try await store.commit(RunCommit(stateWrites: [Fixture.write(unstamped, .component, "c", [1])]))
        try await store.commit(RunCommit(stateWrites: [Fixture.write(recent, .component, "c", [1])], committedAt: Fixture.at(5_000)))
        // The paused session's conversation waits until 90 s.
        try await store.commit(
            RunCommit(resume: .save(Fixture.record(Fixture.resumeKey(session: paused.session), expiresAt: 90_000), expectedRevision: nil))
        )

        #expect(try await store.purgeExpired(now: Fixture.at(10_000)) == 0, "without idleStateBefore all state stays")
        #expect(try await store.purgeExpired(now: Fixture.at(10_000), idleStateBefore: Fixture.at(999)) == 0)
        #expect(try await store.purgeExpired(now: Fixture.at(10_000), idleStateBefore: Fixture.at(1_000)) == 1, "one idle session")
        #expect(try await store.stateSnapshot(for: idle) == StateSnapshot(), "its values and revision are gone")
        #expect(try await store.stateSnapshot(for: paused).revision == 1, "a paused session keeps its state")
        #expect(try await store.stateSnapshot(for: tenantWide).components == ["c": [1]], "tenant-wide state is never idle")
        #expect(try await store.stateSnapshot(for: recent).revision == 1)
        #expect(try await store.stateSnapshot(for: unstamped).revision == 1, "a commit without a time stamps nothing")

        // Once the paused conversation expired, its session's state goes too.
        #expect(
            try await store.purgeExpired(now: Fixture.at(90_000), idleStateBefore: Fixture.at(5_000)) == 3,
            "resume record, paused and recent"
        )
        #expect(try await store.stateSnapshot(for: paused) == StateSnapshot())
        #expect(try await store.stateSnapshot(for: recent) == StateSnapshot())
        #expect(try await store.stateSnapshot(for: tenantWide).keyValues == ["k": [2]])

        // A purged scope starts over at revision 0. (A run that read it before the purge and
        // commits after it was written exactly as many times again would pass its check: a
        // purge needs a whole session TTL of idleness, and runs last minutes.)
        try await store.commit(
            RunCommit(stateWrites: [Fixture.write(idle, .component, "c", [7])], stateRevisions: [idle: 0], committedAt: Fixture.at(91_000))
        )
        #expect(try await store.stateSnapshot(for: idle).components == ["c": [7]])
    }

    func stateStaleRevisionConflictsAndWritesNothing(_ store: any RunnerStore) async throws {
        let scope = Fixture.scope()
        try await store.commit(RunCommit(stateWrites: [Fixture.write(scope, .keyValue, "n", [1])], stateRevisions: [scope: 0]))
        let key = Fixture.resumeKey()
        let stale = RunCommit(
            resume: .save(Fixture.record(key), expectedRevision: nil),
            stateWrites: [Fixture.write(scope, .keyValue, "n", [9])],
            stateRevisions: [scope: 0]
        )
        let error = try await #require(throws: StoreError.self) { try await store.commit(stale) }
        #expect(error.code == .revisionConflict)
        let snapshot = try await store.stateSnapshot(for: scope)
        #expect(snapshot.keyValues == ["n": [1]])
        #expect(snapshot.revision == 1)
        #expect(try await store.resumeRecord(for: key, now: Fixture.at(1)) == nil, "nothing of the failed commit lands")
    }

    func concurrentStateCommitsOneWins(_ store: any RunnerStore) async throws {
        let scope = Fixture.scope()
        let results = await withTaskGroup(of: (Int, StoreError?).self) { group in
            for index in 0..<Self.contenders {
                group.addTask {
                    do throws(StoreError) {
                        let write = Fixture.write(scope, .component, "counter", [UInt8(index)])
                        try await store.commit(RunCommit(stateWrites: [write], stateRevisions: [scope: 0]))
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try checkOneWinner(results)
        let winner = results.first { $0.1 == nil }?.0 ?? -1
        let snapshot = try await store.stateSnapshot(for: scope)
        #expect(snapshot.components["counter"] == [UInt8(winner)])
        #expect(snapshot.revision == 1)
    }
}
