internal import Crypto
public import Foundation
public import RunnerCore
public import RunnerIngress

/// Cisco Webex webhooks: `POST /webex/webhook` (reference §8.4, with the text fetched).
///
/// `X-Spark-Signature` must be the hex HMAC-SHA1 of the raw body under the tenant's
/// `WEBEX_WEBHOOK_SECRET`. A notification carries ids only: `messages`/`created` and
/// `attachmentActions`/`created` (a card's button pressed) are accepted (202) as they are, and
/// ``WebexChannel/prepare(_:context:)`` fetches the message or the action with the bot token
/// before the flow runs. Other notifications are answered 202 and ignored. Dedupe is by `data.id`.
public struct WebexAdapter: IngressAdapter {
    public let provider = "webex"

    public init() {}

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        let secret = try request.requiredCredential("WEBEX_WEBHOOK_SECRET")
        guard let signature = request.header("x-spark-signature") else { throw IngressError(.unauthorized, "missing X-Spark-Signature") }
        let expected = Hex.encode(
            Array(HMAC<Insecure.SHA1>.authenticationCode(for: request.body, using: SymmetricKey(data: Array(secret.utf8))))
        )
        guard ConstantTime.equals(signature.lowercased(), expected) else { throw IngressError(.unauthorized, "invalid X-Spark-Signature") }
        let notification = try request.jsonBody()
        guard notification.objectValue != nil else { throw IngressError(.badRequest, "the notification must be a JSON object") }
        let resource = notification["resource"]?.stringValue
        guard notification["event"]?.stringValue == "created", resource == "messages" || resource == "attachmentActions" else {
            return .respond(IngressResponse(status: 202))
        }
        guard let data = notification["data"], data.objectValue != nil else { throw IngressError(.badRequest, "data is required") }
        guard let id = data["id"]?.stringValue, !id.isEmpty else { throw IngressError(.badRequest, "data.id is required") }
        guard let room = data["roomId"]?.stringValue, !room.isEmpty else { throw IngressError(.badRequest, "data.roomId is required") }
        let canonical = try Self.canonicalMessage(tenant: request.tenant, notification: notification, now: request.receivedAt)
        let event = IngressEvent(
            provider: provider,
            input: canonical.json,
            sessionKey: canonical.sessionKey,
            flow: .firstOfType("messaging"),
            dedupe: DedupeID(namespace: provider, id: id),
            reply: try WebexAddress(roomID: room, parentID: data["parentId"]?.stringValue).target(provider: provider)
        )
        return .accept([event], answer: IngressResponse(status: 202))
    }

    /// The canonical payload of a notification, before its text is fetched (reference §8.4).
    public static func canonicalMessage(tenant: String, notification: JSONValue, now: Date) throws(IngressError) -> CanonicalMessage {
        let data = notification["data"] ?? .null
        var timestamp = now
        if let created = data["created"]?.stringValue ?? notification["created"]?.stringValue {
            guard let date = RFC3339.parse(created) else { throw IngressError(.badRequest, "created is not an RFC 3339 date") }
            timestamp = date
        }
        let attachments: [CanonicalMessage.Attachment] = (data["files"]?.arrayValue ?? []).compactMap(\.stringValue).map {
            .init(type: "file", url: $0)
        }
        let ids = ProviderIDs(
            conversationID: data["roomId"]?.stringValue,
            threadID: data["parentId"]?.stringValue,
            userID: data["personId"]?.stringValue ?? data["personEmail"]?.stringValue,
            messageID: data["id"]?.stringValue
        )
        return CanonicalMessage(
            tenant: tenant,
            provider: "webex",
            providerIDs: ids,
            sessionScopes: attachments.isEmpty ? ["chat"] : ["attachments", "chat"],
            timestamp: timestamp,
            text: data["text"]?.stringValue,
            attachments: attachments,
            channelData: [
                "resource": notification["resource"] ?? .null, "event": notification["event"] ?? .null,
                "roomType": data["roomType"] ?? .null,
            ],
            raw: notification
        )
    }
}
