public import AsyncHTTPClient
public import Foundation
internal import NIOConcurrencyHelpers
internal import NIOCore
public import NIOHTTP1
public import RunnerCore
internal import RunnerIngress

/// The HTTP client every channel calls its provider's API with.
///
/// It tells apart a request that never left (the connection failed: safe to send again) from
/// one that was fully sent and never answered (a timeout or a dropped connection: the provider
/// may have acted on it), which is what lets the outbox avoid sending a reply twice. Response
/// bodies are capped; nothing here blocks an event loop.
public struct ProviderHTTPClient: Sendable {
    /// A provider's answer.
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]

        /// The body as JSON, `nil` when it is not JSON.
        public var json: JSONValue? { try? JSONValue(parsing: body) }

        /// `Retry-After` in seconds (a number of seconds, or an HTTP date after `now`).
        public func retryAfterSeconds(now: Date) -> Double? {
            guard let value = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
            if let seconds = Double(value), seconds.isFinite, seconds >= 0 { return seconds }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            return formatter.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
        }
    }

    /// Why no response came back.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The request was not (fully) sent: nothing reached the provider.
        case notSent(String)
        /// The request was sent and no complete answer came back: the provider may have acted on it.
        case unanswered(String)

        public var description: String {
            switch self {
            case .notSent(let message), .unanswered(let message): message
            }
        }
    }

    private let http: HTTPClient
    /// Largest response body read (default 1 MiB).
    public let maxResponseBytes: Int

    public init(http: HTTPClient, maxResponseBytes: Int = 1 << 20) {
        self.http = http
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends one request and reads the whole answer within `timeout`.
    public func execute(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration
    ) async -> Result<Response, Failure> {
        let request: HTTPClient.Request
        do {
            var fields = HTTPHeaders()
            for (name, value) in headers { fields.add(name: name, value: value) }
            // A new connection for every call: AsyncHTTPClient 1.37 can trap (a precondition in
            // `HTTPRequestStateMachine.headSent`) when a reused connection's writability flips
            // while a request head is written, which would take the whole process down.
            fields.replaceOrAdd(name: "connection", value: "close")
            request = try HTTPClient.Request(url: url, method: method, headers: fields, body: body.map { .bytes($0) })
        } catch {
            return .failure(.notSent("invalid request URL \(Self.redacted(url)): \(error)"))
        }
        let delegate = TrackingAccumulator(maxBodyBytes: maxResponseBytes)
        let deadline =
            NIODeadline.now()
            + TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let task = http.execute(request: request, delegate: delegate, deadline: deadline)
        do {
            return .success(try await task.futureResult.get())
        } catch {
            let description = "\(method.rawValue) \(Self.redacted(url)) failed: \(error)"
            return .failure(delegate.requestSent ? .unanswered(description) : .notSent(description))
        }
    }

    /// The URL without its path beyond the host (paths may hold tokens, as Telegram's do).
    static func redacted(_ url: String) -> String {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, let host = parsed.host else { return "<url>" }
        return "\(scheme)://\(host)\(parsed.port.map { ":\($0)" } ?? "")/…"
    }
}

/// Collects a response and remembers whether the request was fully sent.
private final class TrackingAccumulator: HTTPClientResponseDelegate {
    typealias Response = ProviderHTTPClient.Response

    private struct State {
        var sent = false
        var head: HTTPResponseHead?
        var body: [UInt8] = []
    }

    private let state = NIOLockedValueBox(State())
    private let maxBodyBytes: Int

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    var requestSent: Bool { state.withLockedValue { $0.sent || $0.head != nil } }

    func didSendRequest(task: HTTPClient.Task<Response>) {
        state.withLockedValue { $0.sent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLockedValue { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLockedValue { state -> Bool in
            guard state.body.count + buffer.readableBytes <= maxBodyBytes else { return false }
            state.body.append(contentsOf: buffer.readableBytesView)
            return true
        }
        return fits
            ? task.eventLoop.makeSucceededVoidFuture()
            : task.eventLoop.makeFailedFuture(ResponseTooLarge(limit: maxBodyBytes))
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        try state.withLockedValue { state in
            guard let head = state.head else { throw ResponseTooLarge(limit: maxBodyBytes) }
            return Response(status: Int(head.status.code), headers: head.headers, body: state.body)
        }
    }
}

private struct ResponseTooLarge: Error, CustomStringConvertible {
    let limit: Int
    var description: String { "the response is larger than \(limit) bytes" }
}
