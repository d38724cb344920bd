import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
public import RunnerCore
import ServiceLifecycle
public import Synchronization

/// A loopback stand-in for a provider's API (Slack, Bot Framework, Webex, WhatsApp): records
/// every request and answers with what the test scripts.
public final class FakeProviderAPI: Sendable {
    /// One request as received.
    public struct Call: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: [String: String]
        public var body: [UInt8]

        /// The body as JSON, `null` when it is not JSON.
        public var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }

        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// An answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
        /// How long the fake waits before answering (a slow provider).
        public var delay: Duration = .zero

        public init(status: Int = 200, headers: [String: String] = ["content-type": "application/json"], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// This answer, given after `delay`.
        public func delayed(by delay: Duration) -> Answer {
            var answer = self
            answer.delay = delay
            return answer
        }

        public static func json(_ status: Int = 200, _ value: JSONValue, headers: [String: String] = [:]) -> Answer {
            Answer(status: status, headers: headers.merging(["content-type": "application/json"]) { $1 }, body: value.serializedBytes())
        }
    }

    private let recorded = Mutex<[Call]>([])
    /// Answers scripted for the next calls, in order; when none is left, ``defaultAnswer`` answers.
    public let script = Mutex<[Answer]>([])
    private let defaultAnswer: @Sendable (Call) -> Answer

    /// - Parameter defaultAnswer: the answer when nothing is scripted (default `{"ok": true}`).
    public init(defaultAnswer: @escaping @Sendable (Call) -> Answer = { _ in .json(200, ["ok": true]) }) {
        self.defaultAnswer = defaultAnswer
    }

    /// Every call so far.
    public var calls: [Call] { recorded.withLock { $0 } }

    /// The calls to paths ending with `suffix`.
    public func calls(to suffix: String) -> [Call] { calls.filter { $0.path.hasSuffix(suffix) } }

    /// Runs the fake on a random port for the duration of `body`.
    public func run<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let buffer = try await request.body.collect(upTo: 4 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.rawName.lowercased()] = field.value }
            // HTTP/1 `Host` arrives as the request's authority.
            if let authority = request.head.authority { headers["host"] = authority }
            let call = Call(
                method: request.method.rawValue,
                path: request.uri.path,
                query: request.uri.query,
                headers: headers,
                body: Array(buffer: buffer)
            )
            self.recorded.withLock { $0.append(call) }
            let answer = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? self.defaultAnswer(call)
            if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
            }
            return Response(
                status: .init(code: answer.status),
                headers: fields,
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body))
            )
        }
        router.on("**", method: .post, use: handler)
        router.on("**", method: .get, use: handler)
        var logger = Logger(label: "test.fake-provider")
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
