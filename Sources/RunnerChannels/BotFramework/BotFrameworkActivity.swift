public import Foundation
public import RunnerCore
public import RunnerIngress

/// Reading Bot Framework activities (Teams, WebChat): the parts both channels map the same way.
public enum BotFrameworkActivity {
    /// The activity's attachments in the canonical shape (reference §8.4): the type by the
    /// content type's prefix (`card` for JSON content when `jsonIsCard`), the URL, and string
    /// `content` inline.
    public static func attachments(of activity: JSONValue, jsonIsCard: Bool) -> [CanonicalMessage.Attachment] {
        (activity["attachments"]?.arrayValue ?? []).map { attachment in
            let contentType = attachment["contentType"]?.stringValue
            let type =
                jsonIsCard && (contentType?.lowercased().contains("application/json") ?? false)
                ? "card" : contentType.map(OutboundMessage.Attachment.type(forMIME:)) ?? "file"
            return .init(
                type: type,
                name: attachment["name"]?.stringValue,
                mime: contentType,
                size: attachment["size"]?.int64Value ?? 0,
                url: attachment["contentUrl"]?.stringValue,
                dataInlineBase64: attachment["content"]?.stringValue
            )
        }
    }

    /// The activity's `timestamp`, `now` when absent.
    ///
    /// - Throws: ``IngressError`` 400 when present and not RFC 3339.
    public static func timestamp(of activity: JSONValue, now: Date) throws(IngressError) -> Date {
        guard let text = activity["timestamp"]?.stringValue else { return now }
        guard let date = RFC3339.parse(text) else { throw IngressError(.badRequest, "timestamp is not an RFC 3339 date") }
        return date
    }

    /// `from.id`, required.
    public static func userID(of activity: JSONValue) throws(IngressError) -> String {
        guard let id = activity["from"]?["id"]?.stringValue, !id.isEmpty else { throw IngressError(.badRequest, "from.id is required") }
        return id
    }

    /// Where replies to the activity go, when it names a connector (`serviceUrl`) and a conversation.
    public static func address(of activity: JSONValue) -> BotFrameworkAddress? {
        guard let serviceURL = activity["serviceUrl"]?.stringValue, !serviceURL.isEmpty,
            let conversation = activity["conversation"]?["id"]?.stringValue, !conversation.isEmpty
        else { return nil }
        func account(_ value: JSONValue?) -> BotFrameworkAddress.Account? {
            value?["id"]?.stringValue.map { BotFrameworkAddress.Account(id: $0, name: value?["name"]?.stringValue) }
        }
        return BotFrameworkAddress(
            serviceURL: serviceURL,
            conversationID: conversation,
            activityID: activity["id"]?.stringValue,
            bot: account(activity["recipient"]),
            user: account(activity["from"])
        )
    }

    /// The canonical scopes: `chat`, and `attachments` when there are some.
    static func scopes(_ attachments: [CanonicalMessage.Attachment]) -> [String] {
        attachments.isEmpty ? ["chat"] : ["attachments", "chat"]
    }
}

/// Writing Bot Framework activities: a reply in the canonical shape as an activity.
public enum BotFrameworkReply {
    /// The activity for one reply: its text, buttons as a hero card of `imBack` (or `openUrl`)
    /// actions, attachments by URL; addressed when an address is given.
    public static func activity(_ message: OutboundMessage, address: BotFrameworkAddress? = nil) -> JSONValue {
        var activity: [String: JSONValue] = ["type": "message"]
        if let text = message.text { activity["text"] = .string(text) }
        if message.format?.lowercased() == "markdown" { activity["textFormat"] = "markdown" }
        var attachments: [JSONValue] = message.attachments.map { attachment in
            var json: [String: JSONValue] = [
                "contentType": .string(attachment.mime ?? defaultContentType(attachment.type)), "contentUrl": .string(attachment.url),
            ]
            if let name = attachment.name { json["name"] = .string(name) }
            return .object(json)
        }
        if !message.buttons.isEmpty {
            let buttons: [JSONValue] = message.buttons.map { button in
                button.url.map { ["type": "openUrl", "title": .string(button.title), "value": .string($0)] }
                    ?? ["type": "imBack", "title": .string(button.title), "value": .string(button.payload)]
            }
            attachments.append(["contentType": "application/vnd.microsoft.card.hero", "content": ["buttons": .array(buttons)]])
        }
        if !attachments.isEmpty { activity["attachments"] = .array(attachments) }
        if let address {
            activity["conversation"] = ["id": .string(address.conversationID)]
            if let bot = address.bot { activity["from"] = account(bot) }
            if let user = address.user { activity["recipient"] = account(user) }
            if let replyTo = address.activityID { activity["replyToId"] = .string(replyTo) }
        }
        return .object(activity)
    }

    private static func account(_ account: BotFrameworkAddress.Account) -> JSONValue {
        var json: [String: JSONValue] = ["id": .string(account.id)]
        if let name = account.name { json["name"] = .string(name) }
        return .object(json)
    }

    private static func defaultContentType(_ type: String) -> String {
        switch type {
        case "image", "audio", "video": "\(type)/*"
        default: "application/octet-stream"
        }
    }
}
