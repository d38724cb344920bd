internal import ServiceLifecycle

/// A serial loop run on a timer and on demand: the body of the reloader and the outbox
/// dispatcher.
///
/// Nudges made while the body runs coalesce into one more round; the loop ends on graceful
/// shutdown (the round in progress finishes) or cancellation.
struct TriggeredLoop: Sendable {
    private let triggers: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (triggers, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a round as soon as possible.
    func nudge() {
        continuation.yield()
    }

    /// Runs `body` every `interval` and after each nudge, until graceful shutdown.
    func run(every interval: Duration, _ body: @Sendable () async -> Void) async throws {
        let continuation = self.continuation
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                // Ends quietly when the loop below finishes and cancels it.
                while (try? await Task.sleep(for: interval)) != nil {
                    continuation.yield()
                }
            }
            for await _ in triggers.cancelOnGracefulShutdown() {
                await body()
            }
            group.cancelAll()
        }
    }
}
