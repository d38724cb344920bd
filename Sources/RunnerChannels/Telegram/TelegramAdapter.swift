public import Foundation
internal import RunnerCore
public import RunnerIngress

/// Telegram Bot API webhooks: `POST /messaging/telegram/webhook` (reference §8.4).
///
/// `X-Telegram-Bot-Api-Secret-Token` must equal the tenant's `TELEGRAM_WEBHOOK_SECRET`
/// (constant time; 401 otherwise, also while the secret is not configured). A `message` with
/// text and a `callback_query` (a button press) are accepted and run after the 200; every other
/// update is answered 204. Dedupe is by `update_id`.
public struct TelegramAdapter: IngressAdapter {
    public let provider = "telegram"

    public init() {}

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        let secret = try request.requiredCredential("TELEGRAM_WEBHOOK_SECRET")
        guard let token = request.header("x-telegram-bot-api-secret-token") else {
            throw IngressError(.unauthorized, "missing X-Telegram-Bot-Api-Secret-Token")
        }
        guard ConstantTime.equals(token, secret) else {
            throw IngressError(.unauthorized, "invalid X-Telegram-Bot-Api-Secret-Token")
        }
        guard request.hasJSONContentType else {
            throw IngressError(.unsupportedMediaType, "expected Content-Type: application/json")
        }
        let update = try request.jsonBody()
        guard let updateID = update["update_id"]?.int64Value else {
            throw IngressError(.badRequest, "update_id is required and must be an integer")
        }
        let canonical: CanonicalMessage
        let address: TelegramAddress
        var acknowledgements: [OutboundMessage] = []
        if let message = update["message"], !message.isNull {
            guard let chatID = message["chat"]?["id"]?.int64Value else {
                throw IngressError(.badRequest, "message.chat.id is required and must be an integer")
            }
            guard let text = message["text"]?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return .respond(IngressResponse(status: 204))
            }
            canonical = Self.canonicalMessage(
                tenant: request.tenant,
                updateID: updateID,
                chatID: chatID,
                fromID: message["from"]?["id"]?.int64Value,
                text: text,
                timestamp: request.receivedAt
            )
            address = TelegramAddress(chatID: chatID)
        } else if let query = update["callback_query"], !query.isNull {
            guard let queryID = query["id"]?.stringValue, !queryID.isEmpty else {
                throw IngressError(.badRequest, "callback_query.id is required and must be a string")
            }
            guard let chatID = query["message"]?["chat"]?["id"]?.int64Value else {
                // A button of an inline-mode message has no chat to answer in.
                return .respond(IngressResponse(status: 204))
            }
            canonical = Self.canonicalCallback(
                tenant: request.tenant,
                update: update,
                updateID: updateID,
                chatID: chatID,
                query: query,
                timestamp: request.receivedAt
            )
            address = TelegramAddress(chatID: chatID, callbackQueryID: queryID)
            acknowledgements = [.acknowledgement]
        } else {
            return .respond(IngressResponse(status: 204))
        }
        let event = IngressEvent(
            provider: provider,
            input: canonical.json,
            sessionKey: canonical.sessionKey,
            flow: .firstOfType("messaging"),
            dedupe: DedupeID(namespace: provider, id: String(updateID)),
            reply: try address.target(provider: provider),
            acknowledgements: acknowledgements
        )
        return .accept([event], answer: IngressResponse(status: 200))
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
            providerIDs: ids(updateID: updateID, chatID: chatID, fromID: fromID),
            sessionScopes: ["chat"],
            timestamp: timestamp,
            text: text,
            channelData: .object(["chat_id": .int(chatID)]),
            raw: raw
        )
    }

    /// The canonical payload of a button press: the pressed button (its title looked up in the
    /// message's inline keyboard by `callback_data`) and that title as the text.
    static func canonicalCallback(
        tenant: String,
        update: JSONValue,
        updateID: Int64,
        chatID: Int64,
        query: JSONValue,
        timestamp: Date
    ) -> CanonicalMessage {
        let data = query["data"]?.stringValue ?? ""
        let keyboard = query["message"]?["reply_markup"]?["inline_keyboard"]?.arrayValue ?? []
        let title =
            keyboard.lazy.compactMap(\.arrayValue).joined()
            .first { $0["callback_data"]?.stringValue == data }?["text"]?.stringValue ?? data
        let queryID = query["id"]?.stringValue ?? ""
        return CanonicalMessage(
            tenant: tenant,
            provider: "telegram",
            providerIDs: ids(updateID: updateID, chatID: chatID, fromID: query["from"]?["id"]?.int64Value),
            sessionScopes: ["buttons", "chat"],
            timestamp: timestamp,
            text: title,
            buttons: [.init(id: data, title: title, payload: data)],
            channelData: .object(["chat_id": .int(chatID), "callback_query_id": .string(queryID)]),
            raw: update
        )
    }

    private static func ids(updateID: Int64, chatID: Int64, fromID: Int64?) -> ProviderIDs {
        ProviderIDs(
            conversationID: String(chatID),
            channelID: String(chatID),
            userID: fromID.map { String($0) },
            messageID: String(updateID),
            eventID: String(updateID)
        )
    }
}
