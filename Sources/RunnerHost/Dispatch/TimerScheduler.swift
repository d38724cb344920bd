internal import Foundation
internal import Logging
internal import RunnerCore
internal import RunnerFlow
internal import ServiceLifecycle

/// Runs the tenants' timer schedules (bindings `timers`, SPEC §7).
///
/// Every node runs a scheduler; the store makes each tick run once across them. A tick is
/// recorded with its event in one ``RunnerStore/accept(_:now:)`` that moves the schedule's
/// cursor forward only, so of the nodes noticing a tick one records it and the others see a
/// duplicate; the event then runs like any accepted event (on this node at once, or on any node
/// from the inbox if this one dies), and replies go through the outbox.
///
/// Policy:
/// - A new schedule starts with its next tick; one whose definition (cron or time zone)
///   changed starts again from its next tick (``RunnerStore/timerCursor(tenant:scheduleID:spec:now:)``).
/// - Missed ticks (every node was down, or this one was paused): only the latest missed tick
///   runs, once; older ones are skipped.
/// - Schedules follow the loaded tenants: a reload keeps them (they are keyed by tenant and
///   schedule id, never duplicated), a removed tenant's stop, and a tick runs the flow of the
///   pack version current when it runs. A tick whose flow is not deployed is skipped (logged).
///
/// Time comes from the injected `now`; the loop sleeps until the next tick, at most
/// ``pollInterval`` at a time, so a clock moved by a test is noticed within it.
struct TimerScheduler: Service {
    let store: any RunnerStore
    let tenants: ActiveTenants
    let queue: InboxQueue
    /// How long a tick's event is leased to this node when it runs it at once.
    let leaseMs: Int
    /// How long accepted events' dedupe answers are kept (unused by ticks, required by the store).
    let retainSeconds: Int
    var pollInterval: Duration = .milliseconds(250)
    let now: @Sendable () -> Date
    let logger: Logger

    /// The provider name of timer events.
    static let provider = "timer"

    func run() async {
        await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        var schedules = Schedules()
        while !Task.isCancelled {
            let wait = await runDueTicks(&schedules)
            guard (try? await Task.sleep(for: min(wait, pollInterval))) != nil else { return }
        }
    }

    /// What the scheduler knows about each schedule between turns.
    struct Schedules {
        struct Key: Hashable {
            var tenant: String
            var scheduleID: String
        }

        struct Tracked {
            /// The bindings entry this was built from; a changed entry is parsed and tracked anew.
            var timer: TenantBindings.Timer
            var cron: CronExpression
            var timeZone: TimeZone
            /// The last tick recorded (by any node) or skipped as known.
            var cursor: Date
            /// No tick falls before this: until then nothing needs checking.
            var nextFire: Date?
        }

        var tracked: [Key: Tracked] = [:]
    }

    /// Records and starts every tick due now; returns how long until the next one.
    func runDueTicks(_ schedules: inout Schedules) async -> Duration {
        let now = self.now()
        var wait = Duration.seconds(3600)
        var seen: Set<Schedules.Key> = []
        for runtime in tenants.all {
            for timer in runtime.bindings.timers {
                let key = Schedules.Key(tenant: runtime.tenant, scheduleID: timer.scheduleID)
                seen.insert(key)
                if schedules.tracked[key]?.timer != timer {
                    // Parsed once per definition (the bindings loader refused invalid ones).
                    guard let (cron, timeZone) = try? timer.schedule() else { continue }
                    // The definition the store keeps the cursor for: expression and time zone.
                    let spec = "\(cron) \(timeZone.identifier)"
                    do {
                        let cursor = try await store.timerCursor(tenant: key.tenant, scheduleID: key.scheduleID, spec: spec, now: now)
                        schedules.tracked[key] = .init(timer: timer, cron: cron, timeZone: timeZone, cursor: cursor, nextFire: nil)
                    } catch {
                        logger.error(
                            "reading a timer's cursor failed; trying again shortly",
                            metadata: [
                                "gt.tenant": .string(key.tenant), "schedule_id": .string(key.scheduleID),
                                "error": .string(error.description),
                            ]
                        )
                        wait = min(wait, .seconds(1))
                        continue
                    }
                }
                guard var tracked = schedules.tracked[key] else { continue }
                if tracked.nextFire.map({ now >= $0 }) ?? true {
                    if let latest = tracked.cron.latestFire(atOrBefore: now, in: tracked.timeZone), latest > tracked.cursor {
                        if await record(timer, tick: latest, runtime: runtime, now: now) {
                            tracked.cursor = latest
                        } else {
                            wait = min(wait, .seconds(1))  // the store failed: try this tick again
                        }
                    }
                    tracked.nextFire = tracked.cron.nextFire(after: now, in: tracked.timeZone)
                    schedules.tracked[key] = tracked
                }
                if let next = tracked.nextFire {
                    wait = min(wait, .milliseconds(max(0, next.epochMilliseconds - now.epochMilliseconds)))
                }
            }
        }
        schedules.tracked = schedules.tracked.filter { seen.contains($0.key) }
        return wait
    }

    /// Records the tick with its event and starts it; `false` when the store failed (the tick is
    /// then tried again).
    private func record(_ timer: TenantBindings.Timer, tick: Date, runtime: TenantRuntime, now: Date) async -> Bool {
        let time = RFC3339.chronoString(tick)
        let metadata: Logger.Metadata = [
            "gt.tenant": .string(runtime.tenant), "schedule_id": .string(timer.scheduleID), "gt.flow": .string(timer.flowID),
            "tick": .string(time),
        ]
        guard runtime.engine.flows[timer.flowID] != nil else {
            logger.warning("timer tick skipped: its flow is not deployed", metadata: metadata)
            return true
        }
        let event = InboxEvent(
            id: "timer/\(runtime.tenant)/\(timer.scheduleID)@\(time)",
            tenant: runtime.tenant,
            provider: Self.provider,
            sessionKey: "\(runtime.tenant):timer:\(timer.scheduleID)",
            flowID: timer.flowID,
            input: ["now": .string(time), "schedule_id": .string(timer.scheduleID)],
            reply: nil,
            receivedAt: now
        )
        let leaseToSelf = queue.hasCapacity
        let acceptance = Acceptance(
            entries: [
                Acceptance.Entry(
                    event: event,
                    dedupe: nil,
                    timerTick: TimerTick(tenant: runtime.tenant, scheduleID: timer.scheduleID, at: tick)
                )
            ],
            response: StoredResponse(status: 200, headers: [:], body: []),
            retainUntil: now.addingTimeInterval(Double(retainSeconds)),
            leaseUntil: leaseToSelf ? now.addingTimeInterval(Double(leaseMs) / 1000) : nil
        )
        do {
            switch try await store.accept(acceptance, now: now).first {
            case .accepted(let lease?):
                logger.debug("timer tick recorded", metadata: metadata)
                queue.submit(lease)
            case .accepted(nil):
                logger.debug("timer tick recorded", metadata: metadata)
                queue.nudge()
            case .duplicate, nil:
                logger.debug("timer tick recorded by another node", metadata: metadata)
            }
            return true
        } catch {
            var metadata = metadata
            metadata["error"] = .string(error.description)
            logger.error("recording a timer tick failed", metadata: metadata)
            return false
        }
    }
}
