internal import Foundation
internal import NIOHTTP1
internal import RunnerCore
public import RunnerIngress

/// Telegram: updates in through the webhook, replies out through the Bot API.
///
/// A reply's text (and buttons, as an inline keyboard) is one `sendMessage`; each attachment
/// is its own `sendPhoto`/`sendAudio`/`sendVideo`/`sendDocument`; a button press is
/// acknowledged with `answerCallbackQuery`. Messages are plain text unless the reply names a
/// `format` (`parse_mode`): the original always sent `MarkdownV2` without escaping, which
/// Telegram rejects for texts such as "Hi!". Groups (negative chat ids) are limited to 20
/// messages a minute, as Telegram asks.
public struct TelegramChannel: Channel {
    public let provider = "telegram"
    private let client: ProviderHTTPClient
    private let baseURL: String

    /// - Parameters:
    ///   - client: the HTTP client for the Bot API.
    ///   - baseURL: `TELEGRAM_API_BASE_URL` (default `https://api.telegram.org`), without a
    ///     trailing slash.
    public init(client: ProviderHTTPClient, baseURL: String = "https://api.telegram.org") {
        self.client = client
        self.baseURL = baseURL
    }

    public var routes: [ChannelRoute] { [ChannelRoute("/messaging/telegram/webhook", adapter: TelegramAdapter())] }

    public var requiredCredentials: [String] { ["TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_BOT_TOKEN"] }

    /// Telegram's limit for groups: 20 messages a minute.
    public static let groupLimit = RateLimit(perSecond: 20.0 / 60.0, burst: 3)

    public func conversationLimit(for address: TelegramAddress) -> RateLimit? {
        address.isGroup ? Self.groupLimit : nil
    }

    public func deliverable(_ message: OutboundMessage) -> [OutboundMessage] { message.oneAttachmentEach }

    public func send(_ message: OutboundMessage, to address: TelegramAddress, context: DeliveryContext) async throws(DeliveryError) {
        let token = try context.requiredCredential("TELEGRAM_BOT_TOKEN")
        let (method, body) = try Self.call(for: message, to: address)
        let result = await client.execute(
            .POST,
            "\(baseURL)/bot\(token)/\(method)",
            headers: [("content-type", "application/json")],
            body: JSONValue.object(body).serializedBytes(),
            timeout: context.timeout
        )
        let response: ProviderHTTPClient.Response
        switch result {
        case .success(let answer): response = answer
        case .failure(let failure): throw DeliveryError(failure, provider: "Telegram \(method)")
        }
        guard (200..<300).contains(response.status) else {
            let json = response.json
            let retryAfter = response.retryAfterSeconds(now: Date()) ?? json?["parameters"]?["retry_after"]?.int64Value.map(Double.init)
            throw DeliveryError(
                status: response.status,
                provider: "Telegram \(method)",
                detail: json?["description"]?.stringValue ?? "",
                retryAfterSeconds: retryAfter
            )
        }
    }

    /// The Bot API method and JSON body of one message.
    static func call(for message: OutboundMessage, to address: TelegramAddress) throws(DeliveryError) -> (String, [String: JSONValue]) {
        let chat: [String: JSONValue] = ["chat_id": .int(address.chatID)]
        if message.kind == .acknowledgement {
            guard let queryID = address.callbackQueryID else {
                throw DeliveryError(.permanent, "an acknowledgement needs a callback query id")
            }
            return ("answerCallbackQuery", ["callback_query_id": .string(queryID)])
        }
        if let attachment = message.attachments.first {
            let (method, field) =
                switch attachment.type {
                case "image": ("sendPhoto", "photo")
                case "audio": ("sendAudio", "audio")
                case "video": ("sendVideo", "video")
                default: ("sendDocument", "document")
                }
            var body = chat
            body[field] = .string(attachment.url)
            if let name = attachment.name { body["caption"] = .string(name) }
            return (method, body)
        }
        var body = chat
        let text = message.text.flatMap { $0.isEmpty ? nil : $0 } ?? (message.buttons.isEmpty ? nil : "Please choose:")
        guard let text else { throw DeliveryError(.permanent, "the reply has no text") }
        body["text"] = .string(text)
        if let format = message.format { body["parse_mode"] = .string(format) }
        if !message.buttons.isEmpty {
            var rows: [JSONValue] = []
            for button in message.buttons {
                if let url = button.url {
                    rows.append([["text": .string(button.title), "url": .string(url)]])
                } else {
                    guard button.payload.utf8.count <= 64 else {
                        throw DeliveryError(.permanent, "button payload '\(button.payload)' exceeds Telegram's 64-byte callback_data limit")
                    }
                    rows.append([["text": .string(button.title), "callback_data": .string(button.payload)]])
                }
            }
            body["reply_markup"] = ["inline_keyboard": .array(rows)]
        }
        return ("sendMessage", body)
    }
}
