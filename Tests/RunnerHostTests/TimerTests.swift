import Foundation
import RunnerCore
import RunnerHost
import RunnerTestSupport
import Testing

/// Timers on one node with the clock moved by hand (no sleeping for ticks): a tick runs once, a
/// restart runs only the latest missed tick, a changed schedule starts afresh, a removed one stops,
/// and two schedulers on one store record each tick once.
@Suite("Timers")
struct TimerTests {
    static let tickFlow = """
        id: tick
        type: timer
        nodes:
          say: {qa.process: "{{input.schedule_id}} at {{input.now}}"}
        """

    static func bindings(_ timers: String) -> String {
        demoBindings + "\ntimers:\n" + timers
    }

    /// 2026-01-01T00:00:00.500Z: half a second past a whole minute.
    static func clock() -> ManualClock { ManualClock(Date(timeIntervalSince1970: 1_767_225_600.5)) }

    static func id(_ schedule: String, _ time: String) -> String { "timer/demo/\(schedule)@2026-01-01T\(time)+00:00" }

    struct Setup {
        let deployment: TestDeployment
        let store = InstrumentedStore()
        let clock = TimerTests.clock()
        var stores: StoreFactory { StoreFactory.builtIn.with(scheme: "instrumented") { [store] _ in .init(store: store, close: {}) } }

        init() throws {
            deployment = try TestDeployment()
            try deployment.deploy(TestPack(flows: [TimerTests.tickFlow]))
        }

        /// Runs a host with `timers` until `body` returns, once its scheduler has read its cursors.
        func run(timers: String, _ body: @Sendable (LiveClient) async throws -> Void) async throws {
            let configuration = deployment.configuration(
                bindings: [try deployment.bindings(TimerTests.bindings(timers))],
                store: try .init(url: "instrumented://")
            )
            let reads = store.timerCursorReads
            let expected = timers.isEmpty ? 0 : 1
            try await withLiveHost(configuration, stores: stores, now: clock.reader) { [store] client async throws in
                #expect(try await eventually { store.timerCursorReads >= reads + expected })
                try await body(client)
            }
        }
    }

    @Test func aTickRunsOnceAndARestartRunsOnlyTheLatestMissedTick() async throws {
        let setup = try Setup()
        defer { setup.deployment.remove() }
        let (store, clock) = (setup.store, setup.clock)
        let everyMinute = "  - {flow_id: tick, cron: '* * * * *', schedule_id: every-minute}\n"
        try await setup.run(timers: everyMinute) { client async throws in
            clock.advance(by: 60)  // 00:01:00.5
            #expect(try await eventually { store.completedTimerEvents == [Self.id("every-minute", "00:01:00")] })
            clock.advance(by: 30)  // 00:01:30.5: no tick
            clock.advance(by: 30)  // 00:02:00.5
            #expect(try await eventually { store.completedTimerEvents.count == 2 })
            #expect(try await client.settled())
        }
        #expect(store.completedTimerEvents == [Self.id("every-minute", "00:01:00"), Self.id("every-minute", "00:02:00")])
        let first = try #require(store.acceptedTimerEvents.first)
        #expect(first.provider == "timer")
        #expect(first.flowID == "tick")
        #expect(first.sessionKey == "demo:timer:every-minute")
        #expect(first.input == ["now": "2026-01-01T00:01:00+00:00", "schedule_id": "every-minute"])

        // Ten minutes down: on restart only the latest missed tick (00:12:00) runs, once.
        clock.advance(by: 600)  // 00:12:00.5
        try await setup.run(timers: everyMinute) { client async throws in
            #expect(try await eventually { store.completedTimerEvents.count == 3 })
            clock.advance(by: 60)  // 00:13:00.5
            #expect(try await eventually { store.completedTimerEvents.count == 4 })
            #expect(try await client.settled())
        }
        #expect(store.completedTimerEvents.suffix(2) == [Self.id("every-minute", "00:12:00"), Self.id("every-minute", "00:13:00")])
    }

    @Test func aChangedScheduleStartsAfreshAndARemovedOneStops() async throws {
        let setup = try Setup()
        defer { setup.deployment.remove() }
        let (store, clock) = (setup.store, setup.clock)
        try await setup.run(timers: "  - {flow_id: tick, cron: '*/5 * * * *', schedule_id: report}\n") { client async throws in
            clock.advance(by: 300)  // 00:05:00.5
            #expect(try await eventually { store.completedTimerEvents == [Self.id("report", "00:05:00")] })
        }
        // Redefined while down (every 2 minutes, Berlin time): no catch-up for ticks it was not
        // defined for; its next tick runs.
        clock.advance(by: 540)  // 00:14:00.5
        let changed = "  - {flow_id: tick, cron: '*/2 * * * *', schedule_id: report, timezone: Europe/Berlin}\n"
        try await setup.run(timers: changed) { client async throws in
            clock.advance(by: 60)  // 00:15:00.5: not a tick of the new schedule
            clock.advance(by: 60)  // 00:16:00.5
            #expect(try await eventually { store.completedTimerEvents.count == 2 })
            #expect(try await client.settled())
        }
        #expect(store.completedTimerEvents == [Self.id("report", "00:05:00"), Self.id("report", "00:16:00")])

        // Removed from the bindings: it no longer runs.
        try await setup.run(timers: "") { client async throws in
            clock.advance(by: 600)
            #expect(try await client.post("/webhook/none", "").status == 404, "the host is serving")
            #expect(try await client.settled())
        }
        #expect(store.completedTimerEvents.count == 2)
    }

    @Test func twoSchedulersOnOneStoreRecordEachTickOnce() async throws {
        let setup = try Setup()
        defer { setup.deployment.remove() }
        let (store, clock) = (setup.store, setup.clock)
        let everySecond = "  - {flow_id: tick, cron: '* * * * * *', schedule_id: pulse}\n"
        try await setup.run(timers: everySecond) { _ async throws in
            try await setup.run(timers: everySecond) { client async throws in
                for second in 1...5 {
                    clock.advance(by: 1)
                    #expect(try await eventually { store.acceptedTimerEvents.count == second }, "tick \(second)")
                }
                #expect(try await client.settled())
            }
        }
        let ids = store.completedTimerEvents
        #expect(ids == (1...5).map { Self.id("pulse", "00:00:0\($0)") }, "each tick ran once, in order: \(ids)")
    }

    @Test func invalidTimersAreRefusedWhenTheBindingsLoad() throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let cases = [
            ("  - {flow_id: tick, cron: '61 * * * *'}\n", "timers[0].cron", "61 is outside 0-59"),
            ("  - {flow_id: tick, cron: '* * * * *', timezone: Mars/Olympus}\n", "timers[0].timezone", "Mars/Olympus"),
            ("  - {flow_id: tick, cron: '* * * *'}\n", "timers[0].cron", "found 4"),
            ("  - {flow_id: tick, cron: '* * * * *'}\n  - {flow_id: tick, cron: '0 * * * *'}\n", "timers[1].schedule_id", "tick"),
        ]
        for (timers, field, message) in cases {
            let path = try deployment.bindings(Self.bindings(timers))
            #expect {
                _ = try TenantBindings(contentsOf: path)
            } throws: { error in
                let text = "\(error)"
                return text.contains(field) && text.contains(message)
            }
        }
    }
}
