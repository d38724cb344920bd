internal import Foundation
internal import Logging
internal import RunnerCore
internal import ServiceLifecycle

/// Removes expired resume and dedupe records periodically, so the store does not grow
/// without bound.
struct StoreJanitor: Service {
    let store: any RunnerStore
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
            do {
                let removed = try await store.purgeExpired(now: now())
                if removed > 0 { logger.debug("purged expired records", metadata: ["count": .stringConvertible(removed)]) }
            } catch {
                logger.warning("purging expired records failed", metadata: ["error": .string(error.description)])
            }
        }
    }
}
