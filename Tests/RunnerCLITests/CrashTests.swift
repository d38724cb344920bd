import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import RunnerCore
import RunnerTestSupport
import Synchronization
import Testing

/// `greentic-runner serve` as a real process, killed with SIGKILL at the worst moments: an
/// acknowledged event and its reply survive, and nothing goes out twice.
@Suite("Killed with SIGKILL", .serialized)
struct CrashTests {
    /// A deployment on disk (pack, index, bindings, SQLite store) and the runner processes on it.
    struct Deployment {
        let directory: URL

        /// The runners' `STORE_URL`: a SQLite file in the directory unless given.
        let storeURL: String

        init(flows: [String], components: [String: String] = [:], storeURL: String? = nil, bindings extra: String = "") throws {
            directory = try temporaryDirectory()
            self.storeURL = storeURL ?? "sqlite://" + directory.appendingPathComponent("store.sqlite").path
            let digest = try TestPack(flows: flows, components: components).write(to: directory.appendingPathComponent("main.gtpack"))
            let index = #"{"demo":{"main_pack":{"name":"test.pack","version":"1.0.0","digest":"\#(digest)","locator":"main.gtpack"}}}"#
            try Data(index.utf8).write(to: directory.appendingPathComponent("index.json"))
            let bindings = """
                tenant: demo
                flow_type_bindings:
                  messaging: {adapter: telegram}
                  webhook: {adapter: generic}
                runtime: {timeout_ms: 10000, fuel: 1000000000000}

                """ + extra
            try Data(bindings.utf8).write(to: directory.appendingPathComponent("demo.yaml"))
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        /// Publishes a new version of the tenant's pack (a new archive and index); running nodes
        /// pick it up on their next reload, nodes started later serve it from the start.
        func publish(flows: [String], components: [String: String] = [:], name: String) throws {
            let digest = try TestPack(flows: flows, components: components).write(to: directory.appendingPathComponent("\(name).gtpack"))
            let index = #"{"demo":{"main_pack":{"name":"test.pack","version":"1.0.0","digest":"\#(digest)","locator":"\#(name).gtpack"}}}"#
            try Data(index.utf8).write(to: directory.appendingPathComponent("index.json"))
        }

        /// Starts a runner; returns once it listens.
        func start(telegram: String, environment: [String: String] = [:]) async throws -> RunnerProcess {
            var env = [
                "PACK_INDEX_URL": directory.appendingPathComponent("index.json").path,
                "PACK_CACHE_DIR": directory.appendingPathComponent("cache").path,
                "STORE_URL": storeURL,
                "TELEGRAM_WEBHOOK_SECRET": "hook-secret", "TELEGRAM_BOT_TOKEN": "123:ABC", "TELEGRAM_API_BASE_URL": telegram,
                "LOG_LEVEL": "info", "OUTBOX_BACKOFF_BASE": "200ms", "OUTBOX_BACKOFF_MAX": "400ms",
            ]
            env.merge(environment) { $1 }
            let process = try RunnerProcess(
                arguments: [
                    "serve", "--bindings", directory.appendingPathComponent("demo.yaml").path, "--port", "0", "--host", "127.0.0.1",
                ],
                environment: env
            )
            try await process.waitForPort()
            return process
        }
    }

    static func update(_ id: Int, text: String) -> [UInt8] {
        Array(#"{"update_id":\#(id),"message":{"message_id":\#(id),"text":"\#(text)","chat":{"id":42},"from":{"id":7}}}"#.utf8)
    }

    static let echo = """
        id: chat
        type: messaging
        nodes:
          reply: {qa.process: "reply to {{{input.text}}}"}
        """

    @Test func aSendInterruptedByTheKillIsNeverRepeated() async throws {
        let deployment = try Deployment(flows: [Self.echo])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        fake.delay.withLock { $0 = .seconds(60) }
        try await fake.run { telegram in
            let settings = ["OUTBOX_SEND_TIMEOUT": "3s"]
            let first = try await deployment.start(telegram: telegram, environment: settings)
            #expect(try await first.telegram(Self.update(1, text: "hi")).status == 200)
            // The provider has the request; the runner dies before the answer comes back.
            #expect(try await poll { fake.calls.count == 1 })
            first.kill()
            fake.delay.withLock { $0 = nil }

            let second = try await deployment.start(telegram: telegram, environment: settings)
            defer { second.kill() }
            // Once the dead holder's lease ends, the send is dead-lettered as an unknown outcome.
            #expect(try await poll(timeout: .seconds(30)) { try await second.adminStatus()["outbox"]?["dead"] == 1 })
            try await Task.sleep(for: .milliseconds(500))
            #expect(fake.calls.count == 1, "the interrupted send was not repeated")
            let dead = try await second.get("/admin/outbox/dead")
            let letter = try #require(try JSONValue(parsing: dead.body)["dead"]?.arrayValue?.first)
            #expect(letter["error"]?.stringValue?.hasPrefix("delivery outcome unknown") == true)
            #expect(letter["message"] == ["text": "reply to hi"])

            // The operator replays it: it goes out once more, on purpose.
            let id = try #require(letter["id"]?.stringValue)
            #expect(try await second.post("/admin/outbox/dead/\(id)/replay", []).status == 202)
            #expect(try await poll { fake.calls.count == 2 })
            #expect(fake.calls.last?.body["text"] as? String == "reply to hi")
        }
    }

    @Test func anUndeliveredReplySurvivesTheKillAndGoesOutOnce() async throws {
        let deployment = try Deployment(flows: [Self.echo])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        fake.failures.withLock { $0 = Array(repeating: 503, count: 1000) }
        try await fake.run { telegram in
            let first = try await deployment.start(telegram: telegram)
            #expect(try await first.telegram(Self.update(1, text: "hello")).status == 200)
            #expect(try await poll { fake.calls.count >= 2 }, "Telegram is down: the reply is retried")
            // Killed between two attempts (a kill during a send would leave its outcome unknown,
            // which is dead-lettered rather than sent twice): the retry backoff leaves seconds.
            let idle: JSONValue = ["pending": 1, "in_flight": 0, "dead": 0]
            #expect(try await poll { try await first.adminStatus()["outbox"] == idle })
            first.kill()
            let failed = fake.calls.count
            fake.failures.withLock { $0 = [] }

            let second = try await deployment.start(telegram: telegram)
            defer { second.kill() }
            #expect(try await poll { fake.calls.count == failed + 1 })
            try await Task.sleep(for: .seconds(1))
            #expect(fake.calls.count == failed + 1, "delivered exactly once")
            #expect(fake.calls.last?.body["text"] as? String == "reply to hello")
            #expect(try await second.adminStatus()["outbox"] == ["pending": 0, "in_flight": 0, "dead": 0])
        }
    }

    /// A messaging flow whose first node is ``slowComponent``, then replies "worked on TEXT".
    static let slowChat = """
        id: chat
        type: messaging
        start: work
        nodes:
          work: {slow: {}, routing: [{to: reply}]}
          reply: {qa.process: "worked on {{{input.text}}}"}
        """

    @Test func anEventWhoseRunWasKilledRunsOnceAfterTheRestart() async throws {
        let deployment = try Deployment(flows: [Self.slowChat], components: ["slow": Self.slowComponent])
        defer { deployment.remove() }
        let fake = FakeBotAPI()
        try await fake.run { telegram in
            let settings = ["FLOW_TIMEOUT": "10s", "WASM_TIMEOUT": "10s", "INBOX_LEASE": "11s"]
            let first = try await deployment.start(telegram: telegram, environment: settings)
            #expect(try await first.telegram(Self.update(1, text: "job")).status == 200, "acknowledged before the flow runs")
            #expect(try await first.waitForLog("slow component started"), "\(first.logText)")
            first.kill()
            #expect(fake.calls.isEmpty, "killed mid-run: no reply yet")

            let second = try await deployment.start(telegram: telegram, environment: settings)
            defer { second.kill() }
            #expect(try await second.telegram(Self.update(1, text: "job")).status == 200, "a redelivery is answered, not run")
            #expect(try await poll(timeout: .seconds(40)) { fake.calls.count == 1 }, "\(second.logText)")
            try await Task.sleep(for: .seconds(1))
            #expect(fake.calls.count == 1)
            #expect(fake.calls.first?.body["text"] as? String == "worked on job")
            #expect(try await second.adminStatus()["inbox"] == ["pending": 0, "in_flight": 0, "failed": 0])
        }
    }

    /// Logs "slow component started" (info), then counts to two million before answering (a second or so in a debug build).
    static let slowComponent = """
        (module
          (import "greentic:host-import@0.6.0" "log" (func $log (param i32 i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "slow component started")
          (data (i32.const 64) "{\\"payload\\":{}}")
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
          (func (export "greentic:component/node@0.6.0#run") (param i32 i32 i32 i32) (result i32)
            (local $i i32)
            (call $log (i32.const 2) (i32.const 16) (i32.const 22))
            (loop $spin
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $spin (i32.lt_u (local.get $i) (i32.const 2000000))))
            (i32.store (i32.const 128) (i32.const 64))
            (i32.store (i32.const 132) (i32.const 14))
            (i32.store (i32.const 136) (i32.const 0))
            (i32.store (i32.const 140) (i32.const 0))
            (i32.const 128)))
        """
}

/// A `greentic-runner` child process and a client for it.
final class RunnerProcess: Sendable {
    /// What the process wrote to stderr, and the port it said it listens on.
    private final class Output: Sendable {
        let log = Mutex<String>("")
        let port = Mutex<Int?>(nil)
    }

    private let process: Process
    private let output = Output()

    init(arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = Runner.executable
        process.arguments = arguments
        process.currentDirectoryURL = Runner.root
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        self.process = process
        // A plain thread reads stderr until EOF: a dispatch read source on a pipe whose writer
        // was killed can crash libdispatch once the descriptor is reused.
        let reader = errors.fileHandleForReading
        let output = self.output
        let thread = Thread {
            while case let data = reader.availableData, !data.isEmpty {
                let text = String(decoding: data, as: UTF8.self)
                output.log.withLock { $0 += text }
                let log = output.log.withLock { $0 }
                if output.port.withLock({ $0 }) == nil, let range = log.range(of: #"port=(\d+)"#, options: .regularExpression) {
                    output.port.withLock { $0 = Int(log[range].dropFirst("port=".count)) }
                }
            }
            try? reader.close()
        }
        thread.start()
        try process.run()
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGKILL: no graceful anything. Does nothing once the process ended (so its id, which the
    /// system may give to another process, is never signalled again).
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Everything the process wrote to stderr so far.
    var logText: String { output.log.withLock { $0 } }

    /// The port the runner listens on, once it said so.
    var listeningPort: Int? { output.port.withLock { $0 } }

    func waitForPort() async throws {
        _ = try await poll(timeout: .seconds(60)) { self.listeningPort != nil || !self.process.isRunning }
        if listeningPort == nil {
            throw RunnerDidNotStart(log: output.log.withLock { $0 })
        }
    }

    func waitForLog(_ text: String) async throws -> Bool {
        try await poll { self.output.log.withLock { $0.contains(text) } }
    }

    /// Whether its inbox and outbox are empty (of the store it shares with other nodes).
    func settled() async throws -> Bool {
        try await poll(timeout: .seconds(30)) {
            let status = try await self.adminStatus()
            return status["inbox"] == ["pending": 0, "in_flight": 0, "failed": 0]
                && status["outbox"] == ["pending": 0, "in_flight": 0, "dead": 0]
        }
    }

    func request(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8],
        headers: [(String, String)] = []
    ) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(listeningPort ?? 0)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), Array(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    func telegram(_ update: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        try await request(
            .POST,
            "/messaging/telegram/webhook",
            body: update,
            headers: [("content-type", "application/json"), ("X-Telegram-Bot-Api-Secret-Token", "hook-secret")]
        )
    }

    func post(_ path: String, _ body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        try await request(.POST, path, body: body)
    }

    func get(_ path: String) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(listeningPort ?? 0)\(path)")
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), Array(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    func adminStatus() async throws -> JSONValue {
        try JSONValue(parsing: try await get("/admin/packs/status").body)
    }
}

struct RunnerDidNotStart: Error, CustomStringConvertible {
    let log: String
    var description: String { "the runner did not start:\n\(log)" }
}

/// Polls `condition` until it holds; the timeout only bounds a hang.
func poll(timeout: Duration = .seconds(15), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
