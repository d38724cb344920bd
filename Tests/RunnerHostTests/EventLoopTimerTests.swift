import NIOCore
import NIOEmbedded
import Testing

@testable import RunnerHost

@Suite("Event loop timer")
struct EventLoopTimerTests {
    @Test(.timeLimit(.minutes(1))) func sleepsForItsDurationOfLoopTime() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let done = Flag()
        let sleeper = Task {
            await EventLoopTimer.sleep(for: .seconds(30), on: loop)
            done.set()
        }
        var advanced = 0
        while !done.isSet, advanced < 1_000 {
            await loop.advanceTime(by: .seconds(1))
            advanced += 1
            try await Task.sleep(for: .milliseconds(1))
        }
        await sleeper.value
        #expect(done.isSet)
        #expect(advanced >= 30, "it cannot wake before 30 s of the loop's time")
        await loop.shutdownGracefully()
    }

    @Test(.timeLimit(.minutes(1))) func aCancelledSleepReturnsAtOnce() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let sleeper = Task { await EventLoopTimer.sleep(for: .seconds(3600), on: loop) }
        sleeper.cancel()
        await sleeper.value
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await EventLoopTimer.sleep(for: .seconds(3600), on: loop)
        }
        await early.value
        await loop.shutdownGracefully()
    }
}
