import Foundation
import RunnerCore
import Testing

extension RunnerStoreConformance {
    func sessionsListLivePagesPerTenant(_ store: any RunnerStore) async throws {
        let keys = [
            Fixture.resumeKey(session: "slack:C1:bob", flow: "support"),
            Fixture.resumeKey(session: "slack:C1:alice", flow: "support"),
            Fixture.resumeKey(session: "slack:C1:alice", flow: "onboarding"),
        ]
        for key in keys { try await store.commit(RunCommit(resume: .save(Fixture.record(key), expectedRevision: nil))) }
        let expired = Fixture.resumeKey(session: "slack:C1:carol")
        try await store.commit(RunCommit(resume: .save(Fixture.record(expired, expiresAt: 500), expectedRevision: nil)))
        let other = Fixture.resumeKey(tenant: "tenant-b", session: "slack:C1:alice")
        try await store.commit(
            RunCommit(resume: .save(Fixture.record(other), expectedRevision: nil), outbox: [Fixture.outbox("m1", tenant: "tenant-b")])
        )

        let now = Fixture.at(1_000)
        let first = try await store.pausedSessions(tenant: "tenant-a", after: nil, limit: 2, now: now)
        #expect(first.sessions.map(\.key) == [keys[2], keys[1]], "ordered by session key, then flow")
        #expect(first.sessions.first?.snapshot == Fixture.record().snapshot)
        #expect(first.sessions.first?.revision == 1)
        let cursor = try #require(first.next)
        let second = try await store.pausedSessions(tenant: "tenant-a", after: cursor, limit: 2, now: now)
        #expect(second.sessions.map(\.key) == [keys[0]], "the expired record is not listed")
        #expect(second.next == nil)
        #expect(try await store.pausedSessions(tenant: "tenant-b", after: nil, limit: 10, now: now).sessions.map(\.key) == [other])
        #expect(try await store.pausedSessions(tenant: "tenant-c", after: nil, limit: 10, now: now).sessions.isEmpty)

        let counts = try await store.tenantCounts(now: now)
        #expect(counts["tenant-a"] == TenantCounts(pausedSessions: 3))
        #expect(counts["tenant-b"] == TenantCounts(pausedSessions: 1, outboxPending: 1))
        #expect(counts["tenant-c"] == nil)
    }

    func sessionsEraseOneUserOfOneTenantOnly(_ store: any RunnerStore) async throws {
        let alice = ["telegram:42:alice", "slack:C1:T9:alice"]
        let untouched = ["slack:C1:bob", "slack:C1:malice", "alice"]
        var sessions: [ResumeKey] = []
        for session in alice + untouched {
            let key = Fixture.resumeKey(session: session)
            sessions.append(key)
            let scope = Fixture.scope(session: session)
            try await store.commit(
                RunCommit(
                    resume: .save(Fixture.record(key), expectedRevision: nil),
                    stateWrites: [
                        Fixture.write(scope, .component, "greeter", [1]),
                        Fixture.write(Fixture.scope(pack: "pack-b", session: session), .keyValue, "n", [2]),
                    ],
                    stateRevisions: [scope: 0]
                )
            )
        }
        let otherTenant = Fixture.resumeKey(tenant: "tenant-b", session: alice[0])
        let otherScope = Fixture.scope(tenant: "tenant-b", session: alice[0])
        try await store.commit(
            RunCommit(
                resume: .save(Fixture.record(otherTenant), expectedRevision: nil),
                stateWrites: [Fixture.write(otherScope, .component, "greeter", [7])]
            )
        )
        let tenantWide = Fixture.scope(session: "")
        try await store.commit(RunCommit(stateWrites: [Fixture.write(tenantWide, .keyValue, "total", [5])]))

        let erasure = try await store.eraseSessions(tenant: "tenant-a", .user("alice"))
        #expect(erasure == SessionErasure(resumeRecords: 2, stateScopes: 4), "two sessions, two packs each")
        let now = Fixture.at(1_000)
        for key in sessions {
            let erased = alice.contains(key.sessionKey)
            #expect((try await store.resumeRecord(for: key, now: now) == nil) == erased, "\(key.sessionKey)")
            for pack in ["pack-a", "pack-b"] {
                let snapshot = try await store.stateSnapshot(for: Fixture.scope(pack: pack, session: key.sessionKey))
                #expect(snapshot.contents == StateSnapshot() || !erased, "\(key.sessionKey) \(pack)")
                #expect((snapshot.contents == StateSnapshot()) == erased, "\(key.sessionKey) \(pack)")
            }
        }
        #expect(try await store.resumeRecord(for: otherTenant, now: now) != nil, "another tenant's user of the same id is untouched")
        #expect(try await store.stateSnapshot(for: otherScope).components == ["greeter": [7]])
        #expect(try await store.stateSnapshot(for: tenantWide).keyValues == ["total": [5]])
        #expect(try await store.pausedSessions(tenant: "tenant-a", after: nil, limit: 10, now: now).sessions.count == 3)

        // A run that loaded the erased state or record before cannot write it back...
        let erasedScope = Fixture.scope(session: alice[0])
        await expectStoreError(.revisionConflict, "stale state revision") {
            try await store.commit(
                RunCommit(stateWrites: [Fixture.write(erasedScope, .component, "greeter", [9])], stateRevisions: [erasedScope: 1])
            )
        }
        await expectStoreError(.revisionConflict, "stale resume revision") {
            try await store.commit(RunCommit(resume: .save(Fixture.record(sessions[0], createdAt: 900), expectedRevision: 1)))
        }
        // ...while the user's next message starts a fresh conversation.
        try await store.commit(
            RunCommit(resume: .save(Fixture.record(sessions[0], createdAt: 900, expiresAt: 90_000), expectedRevision: nil))
        )
        let fresh = try #require(try await store.resumeRecord(for: sessions[0], now: now))
        #expect(fresh.revision > 2, "the revision keeps counting across the erasure")
        let revision = try await store.stateSnapshot(for: erasedScope).revision
        try await store.commit(
            RunCommit(stateWrites: [Fixture.write(erasedScope, .component, "greeter", [3])], stateRevisions: [erasedScope: revision])
        )

        // Erasing again finds nothing new; one session by its exact key.
        #expect(try await store.eraseSessions(tenant: "tenant-a", .user("nobody")) == SessionErasure())
        let byKey = try await store.eraseSessions(tenant: "tenant-a", .key("slack:C1:bob"))
        #expect(byKey == SessionErasure(resumeRecords: 1, stateScopes: 2))
        #expect(try await store.resumeRecord(for: sessions[2], now: now) == nil)
        #expect(try await store.resumeRecord(for: sessions[3], now: now) != nil, "malice is not alice")
    }
}
