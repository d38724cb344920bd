public import Foundation
public import RunnerCore
public import RunnerIngress

/// Microsoft Teams through the Bot Framework: `POST /teams/activities` (reference §8.4, with the
/// JWT validated and `serviceUrl` read).
///
/// The `Authorization: Bearer` token is verified by ``BotFrameworkKeys`` against the tenant's
/// `MICROSOFT_APP_ID` before anything else is answered. `message` activities are accepted (202)
/// and run after, well within Teams' 15 seconds; other activity types (conversation updates,
/// typing, invokes) are answered 202 and ignored. Dedupe is by the activity `id`.
public struct TeamsAdapter: IngressAdapter {
    public let provider = "teams"
    private let keys: BotFrameworkKeys

    public init(keys: BotFrameworkKeys) {
        self.keys = keys
    }

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        let appID = try request.requiredCredential("MICROSOFT_APP_ID")
        // Parsed once; the token is checked before the body is judged, so an unauthenticated
        // caller learns nothing about it.
        let parsed = Result { () throws(IngressError) in try request.jsonBody() }
        let claimed = try? parsed.get()
        _ = try await keys.verify(
            authorization: request.header("authorization"),
            appID: appID,
            channelID: claimed?["channelId"]?.stringValue,
            serviceURL: claimed?["serviceUrl"]?.stringValue
        )
        let activity = try parsed.get()
        guard activity.objectValue != nil else { throw IngressError(.badRequest, "the activity must be a JSON object") }
        guard activity["type"]?.stringValue == "message" else { return .respond(IngressResponse(status: 202)) }
        let canonical = try Self.canonicalMessage(tenant: request.tenant, activity: activity, now: request.receivedAt)
        let event = IngressEvent(
            provider: provider,
            input: canonical.json,
            sessionKey: canonical.sessionKey,
            flow: .firstOfType("messaging"),
            dedupe: activity["id"]?.stringValue.map { DedupeID(namespace: provider, id: $0) },
            reply: try BotFrameworkActivity.address(of: activity)?.target(provider: provider)
        )
        return .accept([event], answer: IngressResponse(status: 202))
    }

    /// The canonical payload of a Teams message activity (reference §8.4).
    public static func canonicalMessage(tenant: String, activity: JSONValue, now: Date) throws(IngressError) -> CanonicalMessage {
        let user = try BotFrameworkActivity.userID(of: activity)
        let channelData = activity["channelData"]
        let replyTo = activity["replyToId"]?.stringValue
        let ids = ProviderIDs(
            teamID: channelData?["team"]?["id"]?.stringValue,
            conversationID: activity["conversation"]?["id"]?.stringValue,
            threadID: replyTo,
            channelID: channelData?["channel"]?["id"]?.stringValue,
            userID: user,
            messageID: activity["id"]?.stringValue,
            eventID: replyTo
        )
        let attachments = BotFrameworkActivity.attachments(of: activity, jsonIsCard: false)
        return CanonicalMessage(
            tenant: tenant,
            provider: "teams",
            providerIDs: ids,
            sessionScopes: BotFrameworkActivity.scopes(attachments),
            timestamp: try BotFrameworkActivity.timestamp(of: activity, now: now),
            locale: activity["locale"]?.stringValue,
            text: activity["text"]?.stringValue,
            attachments: attachments,
            channelData: ["channel_data": channelData ?? .null, "service_url": activity["serviceUrl"] ?? .null],
            raw: activity
        )
    }
}
