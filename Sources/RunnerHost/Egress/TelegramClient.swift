internal import AsyncHTTPClient
internal import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import RunnerCore

/// Sends replies through the Telegram Bot API (`sendMessage`).
///
/// The base URL is configurable (`TELEGRAM_API_BASE_URL`) so tests and proxies work. Replies
/// are sent as plain text unless the flow's message names a `parse_mode`: the original always
/// sent `MarkdownV2` without escaping, which Telegram rejects for texts such as "Hi!".
struct TelegramClient: Sendable {
    let http: HTTPClient
    let baseURL: String
    let token: String?
    let timeout: TimeAmount

    init(http: HTTPClient, baseURL: String, token: String?, timeout: TimeAmount = .seconds(10)) {
        self.http = http
        self.baseURL = baseURL
        self.token = token
        self.timeout = timeout
    }

    /// Sends one message to `chatID`.
    ///
    /// - Throws: ``DeliveryError``; `retryAfterSeconds` is set when Telegram asked to slow down.
    func sendMessage(chatID: Int64, text: String, parseMode: String?) async throws(DeliveryError) {
        guard let token, !token.isEmpty else {
            throw DeliveryError(message: "TELEGRAM_BOT_TOKEN is not set", permanent: true)
        }
        var body: [String: JSONValue] = ["chat_id": .int(chatID), "text": .string(text)]
        if let parseMode { body["parse_mode"] = .string(parseMode) }
        var request = HTTPClientRequest(url: "\(baseURL)/bot\(token)/sendMessage")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: JSONValue.object(body).serializedBytes()))
        let response: HTTPClientResponse
        let responseBody: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            responseBody = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw DeliveryError(message: "Telegram sendMessage failed: \(error)", permanent: false)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let description = (try? JSONValue(parsing: Array(buffer: responseBody)))?["description"]?.stringValue ?? ""
            let retryAfter =
                response.headers.first(name: "retry-after").flatMap(Int.init)
                ?? (try? JSONValue(parsing: Array(buffer: responseBody)))?["parameters"]?["retry_after"]?.int64Value.map { Int($0) }
            let status = Int(response.status.code)
            throw DeliveryError(
                message: "Telegram sendMessage answered \(status) \(description)",
                permanent: (400..<500).contains(status) && status != 429,
                retryAfterSeconds: retryAfter
            )
        }
    }
}
