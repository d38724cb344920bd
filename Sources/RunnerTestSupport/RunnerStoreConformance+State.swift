import RunnerCore
import Testing

extension RunnerStoreConformance {
    func stateUnknownScopeIsEmpty(_ store: any RunnerStore) async throws {
        #expect(try await store.stateSnapshot(for: Fixture.scope()) == StateSnapshot())
        #expect(try await store.stateSnapshot(for: Fixture.scope(session: "")) == StateSnapshot())
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
            try await store.stateSnapshot(for: scope)
                == StateSnapshot(components: ["greeter": [1, 2, 3]], keyValues: ["counter": [4], "greeter": [9]])
        )

        try await store.commit(RunCommit(stateWrites: [Fixture.write(scope, .keyValue, "counter", [5, 6])]))
        #expect(
            try await store.stateSnapshot(for: scope)
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
        #expect(try await store.stateSnapshot(for: scope) == StateSnapshot(keyValues: ["greeter": [2], "other": [3]]))

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
        #expect(try await store.stateSnapshot(for: scope) == StateSnapshot(keyValues: ["greeter": [2], "x": [2]]))

        try await store.commit(
            RunCommit(stateWrites: [Fixture.write(scope, .keyValue, "greeter", nil), Fixture.write(scope, .keyValue, "x", nil)])
        )
        #expect(try await store.stateSnapshot(for: scope) == StateSnapshot())
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
            #expect(try await store.stateSnapshot(for: scope) == expected, "\(scope)")
        }

        try await store.commit(RunCommit(stateWrites: [Fixture.write(scopes[0], .component, "greeter", nil)]))
        #expect(try await store.stateSnapshot(for: scopes[1]).components["greeter"] == [1])
        #expect(try await store.stateSnapshot(for: Fixture.scope(tenant: "tenant-c")) == StateSnapshot())
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
            RunCommit(stateWrites: values.map { Fixture.write(scope, .component, $0.key, $0.value) }
                + values.map { Fixture.write(scope, .keyValue, $0.key, $0.value) })
        )
        let snapshot = try await store.stateSnapshot(for: scope)
        #expect(snapshot.components == values)
        #expect(snapshot.keyValues == values)
        #expect(snapshot.components["empty"] == [], "an empty value is stored, not deleted")
    }
}
