import RunnerCore
import RunnerTestSupport
import Testing

@Suite("InMemoryRunnerStore")
struct InMemoryRunnerStoreTests {
    @Test("conformance", arguments: RunnerStoreConformance.Check.allCases)
    func conformance(_ check: RunnerStoreConformance.Check) async throws {
        try await RunnerStoreConformance { InMemoryRunnerStore() }.run(check)
    }
}
