internal import Foundation
internal import Logging
internal import RunnerCore
internal import ServiceLifecycle

/// Removes expired records periodically, so the store does not grow without bound: resume and
/// dedupe records, dead letters and failed events past their retention, and the component
/// state of sessions not written for the session TTL (and not paused).
struct StoreJanitor: Service {
    let store: any RunnerStore
    /// How long session state is kept after its last write (`SESSION_TTL`).
    let sessionStateSeconds: Int
    var interval: Duration = .seconds(300)
    var now: @Sendable () -> Date = { Date() }
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await purgeOnce()
        }
    }

    /// One purge, as of now.
    func purgeOnce() async {
        let now = self.now()
        do {
            let removed = try await store.purgeExpired(now: now, idleStateBefore: now.addingTimeInterval(-Double(sessionStateSeconds)))
            if removed > 0 { logger.debug("purged expired records", metadata: ["count": .stringConvertible(removed)]) }
        } catch {
            logger.warning("purging expired records failed", metadata: ["error": .string(error.description)])
        }
    }
}
