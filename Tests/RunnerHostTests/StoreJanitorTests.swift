import Foundation
import Logging
import RunnerCore
import RunnerTestSupport
import Testing

@testable import RunnerHost

@Suite("Store janitor")
struct StoreJanitorTests {
    @Test func sessionStateGoesOneSessionTTLAfterItsLastWrite() async throws {
        let store = InMemoryRunnerStore()
        let clock = ManualClock()
        let scope = StateScope(tenant: "demo", pack: "demo.pack", session: "demo:telegram:42:7")
        try await store.commit(
            RunCommit(
                stateWrites: [StateWrite(key: StateKey(scope: scope, kind: .component, name: "greeter"), value: [1])],
                committedAt: clock.now
            )
        )
        let janitor = StoreJanitor(store: store, sessionStateSeconds: 3600, now: clock.reader, logger: Logger(label: "test.janitor"))
        clock.advance(by: 3599)
        await janitor.purgeOnce()
        #expect(await store.stateSnapshot(for: scope).components == ["greeter": [1]])
        clock.advance(by: 1)
        await janitor.purgeOnce()
        #expect(await store.stateSnapshot(for: scope) == StateSnapshot())
    }
}
