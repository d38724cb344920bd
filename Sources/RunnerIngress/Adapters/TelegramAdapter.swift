public import Foundation
public import RunnerCore

/// Telegram Bot API webhooks: `POST /messaging/telegram/webhook` (reference §8.4).
///
/// Handles `message` updates with text; every other update is answered 204. When a webhook
/// secret is configured, `X-Telegram-Bot-Api-Secret-Token` must match it (constant time).
/// Replies go through `sendMessage` to the `chat_id` of the update.
public struct TelegramAdapter: IngressAdapter {
    public let provider = "telegram"
    private let webhookSecret: String?
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - webhookSecret: `TELEGRAM_WEBHOOK_SECRET`; when set, updates without the matching
    ///     secret token header are refused with 401.
    ///   - now: the clock for the canonical `timestamp` (Telegram's `message.date` is ignored,
    ///     as in the original).
    public init(webhookSecret: String?, now: @escaping @Sendable () -> Date = { Date() }) {
        self.webhookSecret = webhookSecret.flatMap { $0.isEmpty ? nil : $0 }
        self.now = now
    }

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        if let webhookSecret {
            guard let token = request.header("x-telegram-bot-api-secret-token") else {
                throw IngressError(.unauthorized, "missing X-Telegram-Bot-Api-Secret-Token")
            }
            guard ConstantTime.equals(token, webhookSecret) else {
                throw IngressError(.unauthorized, "invalid X-Telegram-Bot-Api-Secret-Token")
            }
        }
        guard request.hasJSONContentType else {
            throw IngressError(.unsupportedMediaType, "expected Content-Type: application/json")
        }
        let update = try request.jsonBody()
        guard let updateID = update["update_id"]?.int64Value else {
            throw IngressError(.badRequest, "update_id is required and must be an integer")
        }
        guard let message = update["message"], !message.isNull else {
            return .respond(IngressResponse(status: 204))
        }
        guard let chatID = message["chat"]?["id"]?.int64Value else {
            throw IngressError(.badRequest, "message.chat.id is required and must be an integer")
        }
        let fromID = message["from"]?["id"]?.int64Value
        let text = message["text"]?.stringValue
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .respond(IngressResponse(status: 204))
        }
        let canonical = Self.canonicalMessage(
            tenant: request.tenant,
            updateID: updateID,
            chatID: chatID,
            fromID: fromID,
            text: text,
            timestamp: now()
        )
        return .event(
            IngressEvent(
                provider: provider,
                input: canonical.json,
                sessionKey: canonical.sessionKey,
                flow: .firstOfType("messaging"),
                dedupe: DedupeID(namespace: provider, id: String(updateID)),
                replyAddress: .object(["chat_id": .int(chatID)])
            )
        )
    }

    /// The canonical payload of a text message (reference §8.4 mapping).
    public static func canonicalMessage(
        tenant: String,
        updateID: Int64,
        chatID: Int64,
        fromID: Int64?,
        text: String,
        timestamp: Date
    ) -> CanonicalMessage {
        let ids = ProviderIDs(
            conversationID: String(chatID),
            channelID: String(chatID),
            userID: fromID.map { String($0) },
            messageID: String(updateID),
            eventID: String(updateID)
        )
        let raw: JSONValue = .object([
            "update_id": .int(updateID),
            "message": .object([
                "text": .string(text),
                "chat": .object(["id": .int(chatID)]),
                "from": fromID.map { .object(["id": .int($0)]) } ?? .null,
            ]),
        ])
        return CanonicalMessage(
            tenant: tenant,
            provider: "telegram",
            providerIDs: ids,
            sessionScopes: ["chat"],
            timestamp: timestamp,
            text: text,
            channelData: .object(["chat_id": .int(chatID)]),
            raw: raw
        )
    }

    /// 204 when there is nothing to send, 200 when replies were durably queued for
    /// `sendMessage`, 500 when the flow failed (reference §8.4; delivery failures are retried
    /// from the outbox instead of being answered with 502).
    public func response(for outcome: DispatchOutcome) -> IngressResponse {
        switch outcome {
        case .ran(_, let replies): IngressResponse(status: replies == 0 ? 204 : 200)
        case .flowFailed(let message): .error(500, message)
        }
    }

    /// One `{"text": …}` message per reply text.
    public func replies(for output: JSONValue) -> [JSONValue] {
        Self.replyTexts(from: output).map { .object(["text": .string($0)]) }
    }

    /// The texts to send for a flow output (reference §8.4): a string is sent as is, an array
    /// is walked recursively, an object with a `messages` array contributes each element, an
    /// object with a string `text` contributes that text.
    public static func replyTexts(from output: JSONValue) -> [String] {
        var texts: [String] = []
        collect(output, into: &texts, depth: 0)
        return texts
    }

    private static func collect(_ value: JSONValue, into texts: inout [String], depth: Int) {
        guard depth < 32 else { return }
        switch value {
        case .string(let text): texts.append(text)
        case .array(let elements): for element in elements { collect(element, into: &texts, depth: depth + 1) }
        case .object(let members):
            if let messages = members["messages"]?.arrayValue {
                for element in messages { collect(element, into: &texts, depth: depth + 1) }
            } else if let text = members["text"]?.stringValue {
                texts.append(text)
            }
        default: break
        }
    }
}
