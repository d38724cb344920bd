import Testing

@testable import RunnerHost

@Suite("Doorbell")
struct DoorbellTests {
    @Test(.timeLimit(.minutes(1))) func aRingWhileNobodyWaitsWakesTheNextWaiterOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        await bell.wait()
        let woken = Flag()
        let second = Task {
            await bell.wait()
            woken.set()
        }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(!woken.isSet, "two rings while nobody waited wake one waiter, not two")
        bell.ring()
        await second.value
        #expect(woken.isSet)
    }

    @Test(.timeLimit(.minutes(1))) func cancellingAWaiterWakesIt() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait() }
        waiter.cancel()
        await waiter.value
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await bell.wait()
        }
        await early.value
    }
}
