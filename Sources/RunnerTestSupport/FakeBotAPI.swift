import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
public import Synchronization

/// A loopback stand-in for api.telegram.org: records every call and answers like the Bot API.
public final class FakeBotAPI: Sendable {
    public struct Call: Sendable {
        public var method: String
        public var path: String
        public var body: [String: any Sendable]
    }

    private let recorded = Mutex<[Call]>([])
    /// When set, answers `sendMessage` with this status (e.g. 429) instead of success.
    public let failures = Mutex<[Int]>([])
    /// The `Retry-After` (header and Telegram's `parameters.retry_after`) of those failures.
    public let retryAfterSeconds = Mutex(0)
    /// When set, each call is recorded at once and answered only after this long (a provider
    /// that stalls mid-request).
    public let delay = Mutex<Duration?>(nil)

    public init() {}

    public var calls: [Call] { recorded.withLock { $0 } }

    /// Runs the fake on a random port for the duration of `body`.
    public func run<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/{token}/{method}") { request, context -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(Array(buffer: buffer)))) as? [String: any Sendable] ?? [:]
            let method = context.parameters.get("method") ?? ""
            self.recorded.withLock { $0.append(Call(method: method, path: request.uri.path, body: object)) }
            // Stall while a delay is set, but no longer than it (clearing it releases the request).
            let stalled = ContinuousClock.now
            while let delay = self.delay.withLock({ $0 }), ContinuousClock.now - stalled < delay {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if let status = self.failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                let retryAfter = self.retryAfterSeconds.withLock { $0 }
                return Response(
                    status: .init(code: status),
                    headers: [.contentType: "application/json", .retryAfter: "\(retryAfter)"],
                    body: .init(
                        byteBuffer: ByteBuffer(
                            string:
                                #"{"ok":false,"error_code":\#(status),"description":"simulated","parameters":{"retry_after":\#(retryAfter)}}"#
                        )
                    )
                )
            }
            let chatID = object["chat_id"] as? Int ?? 0
            let text = object["text"] as? String ?? ""
            let reply =
                #"{"ok":true,"result":{"message_id":99,"date":1767268800,"chat":{"id":\#(chatID),"type":"private"},"text":\#(String(decoding: try JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast())}}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        var logger = Logger(label: "test.fake-bot-api")
        logger.logLevel = .critical
        return try await withRunningService(logger: logger) { reportPort in
            Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { reportPort($0.localAddress?.port ?? 0) },
                logger: logger
            )
        } _: { port in
            try await body("http://127.0.0.1:\(port)")
        }
    }
}
