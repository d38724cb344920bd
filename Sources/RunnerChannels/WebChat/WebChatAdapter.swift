public import Foundation
public import RunnerCore
public import RunnerIngress

/// WebChat / Direct Line activities: `POST /webchat/activities` (reference §8.4, authenticated,
/// `channelData` kept).
///
/// `Authorization: Bearer` must be the tenant's `WEBCHAT_TOKEN` (constant time). Where replies
/// go depends on the activity:
/// - with a `serviceUrl` (a Bot Framework channel), it is accepted (202) and answered through
///   that connector, like Teams;
/// - without one (a page or app posting straight to the runner), the flow runs in the request
///   and the replies are the answer: 200 `{"activities": [{"type": "message", "text", "attachments"?}…]}`
///   (buttons as a hero card of `imBack` actions). A retry with the same `id` gets the same body.
///
/// Other activity types are answered 202 and ignored. Dedupe is by the activity `id`.
public struct WebChatAdapter: IngressAdapter {
    public let provider = "webchat"

    public init() {}

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        let token = try request.requiredCredential("WEBCHAT_TOKEN")
        guard let authorization = request.header("authorization"), authorization.hasPrefix("Bearer ") else {
            throw IngressError(.unauthorized, "missing Authorization: Bearer token")
        }
        guard ConstantTime.equals(String(authorization.dropFirst("Bearer ".count)), token) else {
            throw IngressError(.unauthorized, "invalid bearer token")
        }
        let activity = try request.jsonBody()
        guard activity.objectValue != nil else { throw IngressError(.badRequest, "the activity must be a JSON object") }
        guard (activity["type"]?.stringValue ?? "message") == "message" else { return .respond(IngressResponse(status: 202)) }
        let canonical = try Self.canonicalMessage(tenant: request.tenant, activity: activity, now: request.receivedAt)
        let dedupe = activity["id"]?.stringValue.map { DedupeID(namespace: provider, id: $0) }
        if let address = BotFrameworkActivity.address(of: activity) {
            let event = IngressEvent(
                provider: provider,
                input: canonical.json,
                sessionKey: canonical.sessionKey,
                flow: .firstOfType("messaging"),
                dedupe: dedupe,
                reply: try address.target(provider: provider)
            )
            return .accept([event], answer: IngressResponse(status: 202))
        }
        return .run(
            IngressEvent(
                provider: provider,
                input: canonical.json,
                sessionKey: canonical.sessionKey,
                flow: .firstOfType("messaging"),
                dedupe: dedupe
            )
        )
    }

    /// The replies, inline: `{"activities": [...]}`; a failed flow is a 500 with no detail.
    public func response(for outcome: DispatchOutcome) -> IngressResponse {
        switch outcome {
        case .ran(let output):
            let activities = OutboundMessage.replies(from: output).map { BotFrameworkReply.activity($0) }
            return .json(200, ["activities": .array(activities)])
        case .flowFailed:
            return .error(500, "the flow failed")
        }
    }

    /// The canonical payload of a WebChat message activity (reference §8.4).
    public static func canonicalMessage(tenant: String, activity: JSONValue, now: Date) throws(IngressError) -> CanonicalMessage {
        let user = try BotFrameworkActivity.userID(of: activity)
        let id = activity["id"]?.stringValue
        let ids = ProviderIDs(conversationID: activity["conversation"]?["id"]?.stringValue, userID: user, messageID: id, eventID: id)
        let attachments = BotFrameworkActivity.attachments(of: activity, jsonIsCard: true)
        let channelData = activity["channelData"] ?? activity["channel_data"]
        return CanonicalMessage(
            tenant: tenant,
            provider: "webchat",
            providerIDs: ids,
            sessionScopes: BotFrameworkActivity.scopes(attachments),
            timestamp: try BotFrameworkActivity.timestamp(of: activity, now: now),
            locale: activity["locale"]?.stringValue,
            text: activity["text"]?.stringValue,
            attachments: attachments,
            channelData: [
                "type": activity["type"] ?? "message",
                "channel_data": channelData.flatMap { $0.isNull ? nil : $0 } ?? .object([:]),
            ],
            raw: activity
        )
    }
}
