import Foundation
import Logging
import RunnerCore
import RunnerHost
import RunnerIngress
import RunnerTestSupport
import Synchronization
import Testing

@testable import RunnerHost

/// A backend that answers from a dictionary and counts its calls; `failing` makes it throw.
final class CountingSecrets: SecretsProvider {
    let values: [String: String]
    let calls = Mutex(0)
    let failing = Mutex(false)
    /// While set, every call waits until it is released.
    let gate = Mutex<[CheckedContinuation<Void, Never>]?>(nil)

    init(_ values: [String: String]) {
        self.values = values
    }

    func secret(_ name: String, tenant: String) async throws(SecretsError) -> String? {
        calls.withLock { $0 += 1 }
        if gate.withLock({ $0 != nil }) {
            await withCheckedContinuation { continuation in
                let waiting = gate.withLock { gate -> Bool in
                    guard gate != nil else { return false }
                    gate?.append(continuation)
                    return true
                }
                if !waiting { continuation.resume() }
            }
        }
        if failing.withLock({ $0 }) { throw SecretsError("backend down") }
        return values["\(tenant)/\(name)"]
    }

    func checkReachable() async throws(SecretsError) {
        if failing.withLock({ $0 }) { throw SecretsError("backend down") }
    }

    func release() {
        let waiting = gate.withLock { gate in
            defer { gate = nil }
            return gate ?? []
        }
        for continuation in waiting { continuation.resume() }
    }
}

@Suite("Secrets")
struct SecretsTests {
    @Test func environmentNamesAreScopedPerTenantWithAnUnambiguousSeparator() async throws {
        #expect(EnvironmentSecrets.variableName(tenant: "acme-eu", name: "weather.key") == "GREENTIC_SECRET_ACME_EU__WEATHER_KEY")
        // The collision of earlier releases: tenant `acme` + `x_y` and tenant `acme_x` + `y`.
        let environment = [
            "GREENTIC_SECRET_ACME__X_Y": "acme's", "GREENTIC_SECRET_ACME_X__Y": "acme_x's", "GREENTIC_SECRET_ACME__WEATHER": "w",
            "GREENTIC_SECRET_OTHER__WEATHER": "x", "ADMIN_TOKEN": "root", "WEATHER": "global",
        ]
        let secrets = TenantSecrets(provider: EnvironmentSecrets(environment: environment), environment: environment)
        #expect(try await secrets.value("x_y", tenant: "acme") == "acme's")
        #expect(try await secrets.value("y", tenant: "acme_x") == "acme_x's")
        let bindings = TenantBindings(tenant: "acme", flowTypeBindings: ["webhook": .init(secrets: ["weather", "ADMIN_TOKEN", "missing"])])
        #expect(await secrets.componentSecrets(for: bindings) == .init(values: ["weather": "w"]))
        // Channel credentials: the tenant's own, else the global variable.
        let credentials = try await secrets.channelCredentials(tenant: "acme", names: ["WEATHER", "ADMIN_TOKEN", "NOPE"])
        #expect(credentials.value("WEATHER") == "w")
        #expect(credentials.value("ADMIN_TOKEN") == "root")
        #expect(credentials.value("NOPE") == nil)
    }

    @Test func namesThatWouldShareAVariableAreRefused() throws {
        func bindings(_ tenant: String, _ secrets: [String] = []) -> TenantBindings {
            TenantBindings(tenant: tenant, flowTypeBindings: ["webhook": .init(secrets: secrets)])
        }
        let refused: [([TenantBindings], String)] = [
            ([bindings("acme-eu"), bindings("acme_eu")], "tenants acme-eu and acme_eu"),
            ([bindings("Acme"), bindings("acme")], "tenants Acme and acme"),
            ([bindings("acme--eu")], "tenant acme--eu"),
            ([bindings("acme_")], "tenant acme_"),
            ([bindings("acme", ["weather-key", "weather_key"])], "secrets weather-key and weather_key of tenant acme"),
            ([bindings("acme", ["_key"])], "secret _key of tenant acme"),
            ([bindings("acme", ["slack.signing-secret"])], "secrets SLACK_SIGNING_SECRET and slack.signing-secret"),
        ]
        for (tenants, message) in refused {
            let error = try #require(throws: ConfigurationError.self) {
                try EnvironmentSecrets.validate(tenants, credentialNames: ["SLACK_SIGNING_SECRET"])
            }
            #expect(error.message.contains(message), "\(error.message)")
        }
        try EnvironmentSecrets.validate(
            [bindings("acme-eu", ["weather.key"]), bindings("acme")],
            credentialNames: ["SLACK_SIGNING_SECRET"]
        )
    }

    @Test func answersAreCachedForTheirTTLAndAbsencesForTheNegativeOne() async throws {
        let backend = CountingSecrets(["acme/key": "v1"])
        let clock = ManualClock()
        let secrets = TenantSecrets(
            provider: backend,
            environment: [:],
            configuration: .init(ttl: .seconds(60), negativeTTL: .seconds(10)),
            now: clock.reader
        )
        for _ in 0..<5 { #expect(try await secrets.value("key", tenant: "acme") == "v1") }
        for _ in 0..<5 { #expect(try await secrets.value("absent", tenant: "acme") == nil) }
        #expect(backend.calls.withLock { $0 } == 2, "one backend call per name within the TTL")
        clock.advance(by: 11)
        _ = try await secrets.value("key", tenant: "acme")
        _ = try await secrets.value("absent", tenant: "acme")
        #expect(backend.calls.withLock { $0 } == 3, "the absence expired, the value did not")
        clock.advance(by: 50)
        _ = try await secrets.value("key", tenant: "acme")
        #expect(backend.calls.withLock { $0 } == 4)
        // A failure is remembered for a few seconds only, and never as a value.
        backend.failing.withLock { $0 = true }
        clock.advance(by: 61)
        await #expect(throws: SecretsError.self) { try await secrets.value("key", tenant: "acme") }
        await #expect(throws: SecretsError.self) { try await secrets.value("key", tenant: "acme") }
        #expect(backend.calls.withLock { $0 } == 5)
        backend.failing.withLock { $0 = false }
        clock.advance(by: 6)
        #expect(try await secrets.value("key", tenant: "acme") == "v1")
    }

    @Test func concurrentLookupsShareOneBackendCall() async throws {
        let backend = CountingSecrets(["acme/key": "v"])
        backend.gate.withLock { $0 = [] }
        let secrets = TenantSecrets(provider: backend, environment: [:])
        try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<20 { group.addTask { try await secrets.value("key", tenant: "acme") } }
            #expect(try await eventually { backend.calls.withLock { $0 } == 1 })
            backend.release()
            for try await value in group { #expect(value == "v") }
        }
        #expect(backend.calls.withLock { $0 } == 1)
    }

    @Test func anUnreachableBackendMakesComponentSecretsUnavailableNotMissing() async throws {
        let backend = CountingSecrets(["acme/key": "v"])
        backend.failing.withLock { $0 = true }
        let secrets = TenantSecrets(provider: backend, environment: [:])
        let bindings = TenantBindings(tenant: "acme", flowTypeBindings: ["webhook": .init(secrets: ["key"])])
        #expect(await secrets.componentSecrets(for: bindings) == .init(unavailable: ["key": "backend down"]))
        #expect(await secrets.isReady() == false)
    }

    @Test func fileSecretsFromADirectoryOrOneJSONFileOwnerReadableOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ path: String, _ text: String, mode: Int) throws {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
        try write("tree/acme/api_key", "s3cret\n", mode: 0o600)
        try write("tree/acme/token", "t0ken", mode: 0o400)
        try write("tree/acme/loose", "visible", mode: 0o644)
        try write("tree/demo/api_key", "demo's", mode: 0o600)
        try write("one.json", #"{"acme": {"api_key": "from-json"}, "demo": {}}"#, mode: 0o600)
        try write("loose.json", #"{"acme": {"api_key": "x"}}"#, mode: 0o640)

        let tree = FileSecrets(path: directory.appendingPathComponent("tree").path)
        #expect(try await tree.secret("api_key", tenant: "acme") == "s3cret", "one trailing newline is dropped")
        #expect(try await tree.secret("token", tenant: "acme") == "t0ken")
        #expect(try await tree.secret("api_key", tenant: "demo") == "demo's")
        #expect(try await tree.secret("missing", tenant: "acme") == nil)
        #expect(try await tree.secret("api_key", tenant: "ghost") == nil)
        #expect(try await tree.secret("api_key", tenant: "..") == nil, "no way out of the directory")
        #expect(try await tree.secret("../demo/api_key", tenant: "acme") == nil)
        let loose = await #expect(throws: SecretsError.self) { try await tree.secret("loose", tenant: "acme") }
        #expect(loose?.message.contains("tree/acme/loose is accessible by group or others (mode 644); chmod 600 it") == true)
        #expect(loose?.message.contains("visible") == false)
        try await tree.checkReachable()

        let json = FileSecrets(path: directory.appendingPathComponent("one.json").path)
        #expect(try await json.secret("api_key", tenant: "acme") == "from-json")
        #expect(try await json.secret("api_key", tenant: "demo") == nil)
        try await json.checkReachable()
        await #expect(throws: SecretsError.self) {
            try await FileSecrets(path: directory.appendingPathComponent("loose.json").path).secret("api_key", tenant: "acme")
        }
        await #expect(throws: SecretsError.self) {
            try await FileSecrets(path: directory.appendingPathComponent("nowhere").path).checkReachable()
        }
    }

    /// A flow reads a secret from the file backend; the value reaches the component and appears
    /// in no log line at any level, and the health check reports the backend.
    @Test func aSecretReachesItsComponentAndNoLogLine() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let value = "sk-live-\(UUID().uuidString)"
        let directory = deployment.directory.appendingPathComponent("secrets/demo")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(value.utf8).write(to: directory.appendingPathComponent("api_key"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.appendingPathComponent("api_key").path)
        let flow = "id: reader\ntype: webhook\nnodes:\n  read: {reader: {}}\n"
        try deployment.deploy(TestPack(flows: [flow], components: ["reader": TestComponents.secretReader]))
        let bindings = demoBindings.replacingOccurrences(
            of: "webhook: {adapter: generic,",
            with: "webhook: {adapter: generic, secrets: [api_key],"
        )
        var configuration = deployment.configuration(bindings: [try deployment.bindings(bindings)])
        configuration.secrets = .init(backend: .file(path: deployment.directory.appendingPathComponent("secrets").path))
        let recorder = LogRecorder()
        try await withLiveHost(configuration, logger: recorder.logger) { client async throws in
            let response = try await client.post("/webhook/reader", "hi")
            #expect(response.status == 200)
            #expect(response.text == value, "the flow answers the node's payload")
            let health = try await client.get("/healthz")
            #expect(health.json?["secrets_ready"] as? Bool == true)
        }
        #expect(!recorder.recorded.isEmpty)
        for line in recorder.recorded {
            #expect(!line.message.contains(value))
            #expect(!line.metadata.description.contains(value), "\(line.message)")
        }

        // A secret the backend refuses to read (others may read its file) fails the node with
        // the reason; the value is never served.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.appendingPathComponent("api_key").path)
        let refusing = LogRecorder()
        try await withLiveHost(configuration, logger: refusing.logger) { client async throws in
            let response = try await client.post("/webhook/reader", "hi")
            #expect(response.status == 500)
            #expect(!response.text.contains(value))
            let failure = try #require(refusing.recorded.first { $0.message == "flow failed" })
            #expect(failure.metadata["error"]?.description.contains("secret-get: secret api_key is unavailable") == true, "\(failure)")
            #expect(failure.metadata["error"]?.description.contains("accessible by group or others") == true)
        }
    }
}
