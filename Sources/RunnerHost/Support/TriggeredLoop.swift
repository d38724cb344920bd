internal import ServiceLifecycle
internal import Synchronization

/// A serial loop run on a timer and on demand: the body of the reloader and the outbox
/// dispatcher.
///
/// Nudges made while the body runs coalesce into one more round; the loop ends on graceful
/// shutdown (the round in progress finishes) or cancellation.
struct TriggeredLoop: Sendable {
    private let triggers: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    /// Whether the timer fired since the last round began.
    private let ticked = Flag()

    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    init() {
        (triggers, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a round as soon as possible.
    func nudge() {
        continuation.yield()
    }

    /// Runs `body` every `interval` and after each nudge, until graceful shutdown. `body` is
    /// told whether the timer fired since the previous round (a round may answer both).
    func run(every interval: Duration, _ body: @Sendable (_ ticked: Bool) async -> Void) async throws {
        let continuation = self.continuation
        let ticked = self.ticked
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                // Ends quietly when the loop below finishes and cancels it.
                while (try? await Task.sleep(for: interval)) != nil {
                    ticked.value.store(true, ordering: .relaxed)
                    continuation.yield()
                }
            }
            for await _ in triggers.cancelOnGracefulShutdown() {
                await body(ticked.value.exchange(false, ordering: .relaxed))
            }
            group.cancelAll()
        }
    }
}
