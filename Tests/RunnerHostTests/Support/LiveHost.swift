import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RunnerCore
import RunnerHost
import RunnerIngress
import RunnerTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// Runs a real `RunnerHost` on a random loopback port for the duration of `body`, then shuts
/// it down gracefully (as SIGTERM would).
func withLiveHost<T: Sendable>(
    _ configuration: RunnerHostConfiguration,
    channels: [any RunnerIngress.Channel] = [],
    environment: [String: String] = telegramTestEnvironment,
    logger recordingLogger: Logger? = nil,
    stores: StoreFactory = .builtIn,
    now: @escaping @Sendable () -> Date = { Date() },
    _ body: @Sendable (LiveClient) async throws -> T
) async throws -> T {
    var configuration = configuration
    configuration.http.host = "127.0.0.1"
    configuration.http.port = 0
    var logger = Logger(label: "test.host")
    logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    if let recordingLogger { logger = recordingLogger }
    return try await withRunningService(logger: logger) { reportPort in
        RunnerHost(
            configuration: configuration,
            channels: channels,
            environment: environment,
            logger: logger,
            stores: stores,
            now: now,
            onServerRunning: { reportPort($0) }
        )
    } _: { port in
        try await body(LiveClient(port: port))
    }
}

/// The Telegram credentials of the tests' tenants (global, so every tenant has them).
let telegramTestEnvironment = ["TELEGRAM_WEBHOOK_SECRET": "hook-secret", "TELEGRAM_BOT_TOKEN": "123:ABC"]

/// A response read in full.
struct LiveResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValueBox? { try? JSONValueBox(body) }
}

/// JSON parsed with Foundation for assertions (keeps the tests independent of our parser).
struct JSONValueBox: Sendable {
    let object: [String: any Sendable]?
    let raw: String
    init(_ bytes: [UInt8]) throws {
        raw = String(decoding: bytes, as: UTF8.self)
        object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? [String: any Sendable]
    }
    subscript(key: String) -> (any Sendable)? { object?[key] }
}

/// Sends requests to a live host.
struct LiveClient: Sendable {
    let port: Int
    /// The client it sends with.
    var http: HTTPClient = .shared

    func request(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8] = [],
        headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(30)
    ) async throws -> LiveResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == .POST || method == .PUT { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: timeout)
        let collected = try await response.body.collect(upTo: 16 << 20)
        return LiveResponse(status: Int(response.status.code), headers: response.headers, body: Array(buffer: collected))
    }

    func post(_ path: String, _ text: String, headers: [(String, String)] = []) async throws -> LiveResponse {
        try await request(.POST, path, body: Array(text.utf8), headers: headers)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> LiveResponse {
        try await request(.GET, path, headers: headers)
    }

    /// `GET /admin/packs/status` as JSON (the tests run on loopback, so no token is needed).
    func adminStatus() async throws -> JSONValue {
        try JSONValue(parsing: try await get("/admin/packs/status").body)
    }

    /// Waits until no event waits or runs and no reply waits or is being sent: from then on
    /// nothing more goes out unless a new event arrives, so a count taken after it is final
    /// (instead of sleeping "long enough" before asserting that nothing else happened).
    func settled() async throws -> Bool {
        try await eventually {
            let status = try await adminStatus()
            return status["inbox"]?["pending"] == 0 && status["inbox"]?["in_flight"] == 0
                && status["outbox"]?["pending"] == 0 && status["outbox"]?["in_flight"] == 0
        }
    }

    /// Posts a Telegram update with the test webhook secret (unless `headers` set the header).
    func telegram(_ update: [UInt8], headers: [(String, String)] = []) async throws -> LiveResponse {
        let secret =
            headers.contains { $0.0.lowercased() == "x-telegram-bot-api-secret-token" }
            ? [] : [("X-Telegram-Bot-Api-Secret-Token", telegramTestEnvironment["TELEGRAM_WEBHOOK_SECRET"] ?? "")]
        return try await request(
            .POST,
            "/messaging/telegram/webhook",
            body: update,
            headers: [("content-type", "application/json")] + secret + headers
        )
    }
}

/// Polls `condition` until it holds or `timeout` passes (for effects that happen after a response,
/// such as outbox delivery or a reload). Not a timing assertion: the timeout only bounds a hang.
func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
