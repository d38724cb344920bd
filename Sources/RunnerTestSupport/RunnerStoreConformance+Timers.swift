import RunnerCore
import Testing

extension RunnerStoreConformance {
    func timerCursorStartsAtNowAndKeepsItsPlace(_ store: any RunnerStore) async throws {
        let cursor = { (spec: String, now: Int64) in
            try await store.timerCursor(tenant: "tenant-a", scheduleID: "nightly", spec: spec, now: Fixture.at(now))
        }
        #expect(try await cursor("0 5 * * * UTC", 1_000) == Fixture.at(1_000), "a new schedule starts at now")
        #expect(try await cursor("0 5 * * * UTC", 9_000) == Fixture.at(1_000), "a known schedule keeps its cursor")
        #expect(
            try await store.timerCursor(tenant: "tenant-b", scheduleID: "nightly", spec: "0 5 * * * UTC", now: Fixture.at(9_000))
                == Fixture.at(9_000),
            "schedules are per tenant"
        )
        #expect(try await cursor("0 6 * * * UTC", 5_000) == Fixture.at(5_000), "a changed definition starts again at now")
        #expect(try await cursor("0 7 * * * UTC", 4_000) == Fixture.at(5_000), "never moving the cursor back")
    }

    func timerTicksAreAcceptedOnceInOrder(_ store: any RunnerStore) async throws {
        _ = try await store.timerCursor(tenant: "tenant-a", scheduleID: "every-second", spec: "* * * * * * UTC", now: Fixture.at(0))
        func accept(_ id: String, tickAt: Int64, now: Int64) async throws -> [AcceptOutcome] {
            let tick = TimerTick(tenant: "tenant-a", scheduleID: "every-second", at: Fixture.at(tickAt))
            return try await store.accept(
                Fixture.timerAcceptance(Fixture.inboxEvent(id, session: "timer:every-second"), tick),
                now: Fixture.at(now)
            )
        }
        #expect(try await accept("t0", tickAt: 0, now: 10) == [.duplicate], "a tick at the cursor ran already")
        #expect(try await accept("t1", tickAt: 1_000, now: 1_010) == [.accepted(nil)])
        #expect(try await accept("t1-again", tickAt: 1_000, now: 1_020) == [.duplicate], "the same tick twice")
        #expect(try await accept("t3", tickAt: 3_000, now: 3_010) == [.accepted(nil)], "a later tick, one skipped")
        #expect(try await accept("t2", tickAt: 2_000, now: 3_020) == [.duplicate], "an older tick after a later one")
        #expect(
            try await store.timerCursor(tenant: "tenant-a", scheduleID: "every-second", spec: "* * * * * * UTC", now: Fixture.at(3_500))
                == Fixture.at(3_000)
        )
        let unknown = TimerTick(tenant: "tenant-a", scheduleID: "never-registered", at: Fixture.at(5_000))
        #expect(
            try await store.accept(Fixture.timerAcceptance(Fixture.inboxEvent("u"), unknown), now: Fixture.at(5_000)) == [.duplicate],
            "a tick of a schedule without a cursor is not recorded"
        )
        let ids = try await store.leaseInbox(now: Fixture.at(9_000), limit: 10, leaseUntil: Fixture.at(99_000)).map(\.event.id)
        #expect(ids == ["t1"], "duplicates wrote nothing (t3 waits behind t1 in its session)")
    }

    func concurrentTimerTicksOneWins(_ store: any RunnerStore) async throws {
        _ = try await store.timerCursor(tenant: "tenant-a", scheduleID: "race", spec: "* * * * * * UTC", now: Fixture.at(0))
        let tick = TimerTick(tenant: "tenant-a", scheduleID: "race", at: Fixture.at(1_000))
        let outcomes = try await withThrowingTaskGroup(of: [AcceptOutcome].self) { group in
            for index in 0..<Self.contenders {
                group.addTask {
                    let event = Fixture.inboxEvent("tick-\(index)", session: "timer:race")
                    return try await store.accept(Fixture.timerAcceptance(event, tick), now: Fixture.at(1_000))
                }
            }
            return try await group.reduce(into: [AcceptOutcome]()) { $0.append(contentsOf: $1) }
        }
        #expect(outcomes.filter { $0 != .duplicate }.count == 1, "one node records the tick: \(outcomes)")
        #expect(try await store.queueCounts().inbox.pending == 1)
    }
}

extension Fixture {
    static func timerAcceptance(_ event: InboxEvent, _ tick: TimerTick) -> Acceptance {
        Acceptance(
            entries: [Acceptance.Entry(event: event, dedupe: nil, timerTick: tick)],
            response: StoredResponse(status: 200, headers: [:], body: []),
            retainUntil: at(86_400_000)
        )
    }
}
