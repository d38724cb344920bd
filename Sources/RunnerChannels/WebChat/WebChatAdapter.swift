public import Foundation
public import RunnerCore
public import RunnerIngress

/// WebChat / Direct Line activities: `POST /webchat/activities` (reference §8.4, authenticated,
/// `channelData` kept).
///
/// Two callers, told apart by their `Authorization: Bearer`:
/// - a page or app posting straight to the runner with the tenant's `WEBCHAT_TOKEN` (compared in
///   constant time): the flow runs in the request and the replies are the answer: 200
///   `{"activities": [{"type": "message", "text", "attachments"?}…]}` (buttons as a hero card of
///   `imBack` actions). A retry with the same `id` gets the same body. A `serviceUrl` in such an
///   activity is ignored: that token is public (it is in the page), and replies through a
///   connector carry the bot's Bot Framework credentials, so it never chooses where they go.
/// - the Bot Framework's Web Chat / Direct Line channel, with its JWT: verified as for Teams
///   (``BotFrameworkKeys``: audience `MICROSOFT_APP_ID`, endorsed for the activity's channel,
///   which must be `webchat` or `directline`, `serviceurl` claim equal to the activity's
///   `serviceUrl`), accepted (202) and answered through that connector.
///
/// Other activity types are answered 202 and ignored. Dedupe is by the activity `id`.
public struct WebChatAdapter: IngressAdapter {
    public let provider = "webchat"
    private let keys: BotFrameworkKeys?

    /// - Parameter keys: verifies Bot Framework tokens; without it only `WEBCHAT_TOKEN` callers
    ///   are served.
    public init(keys: BotFrameworkKeys? = nil) {
        self.keys = keys
    }

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        let parsed = Result { () throws(IngressError) in try request.jsonBody() }
        let connector = try await isConnector(request, activity: try? parsed.get())
        let activity = try parsed.get()
        guard activity.objectValue != nil else { throw IngressError(.badRequest, "the activity must be a JSON object") }
        guard (activity["type"]?.stringValue ?? "message") == "message" else { return .respond(IngressResponse(status: 202)) }
        let canonical = try Self.canonicalMessage(tenant: request.tenant, activity: activity, now: request.receivedAt)
        let dedupe = activity["id"]?.stringValue.map { DedupeID(namespace: provider, id: $0) }
        if connector, let address = BotFrameworkActivity.address(of: activity) {
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

    /// Authenticates the caller: `false` for the page token (replies inline), `true` for a
    /// verified Bot Framework JWT (replies through the connector); 401 otherwise.
    private func isConnector(_ request: IngressRequest, activity: JSONValue?) async throws(IngressError) -> Bool {
        let pageToken = request.credentials.value("WEBCHAT_TOKEN")
        let appID = keys == nil ? nil : request.credentials.value("MICROSOFT_APP_ID")
        if pageToken == nil && appID == nil { _ = try request.requiredCredential("WEBCHAT_TOKEN") }
        guard let bearer = BearerToken.parse(request.header("authorization")) else {
            throw IngressError(.unauthorized, "missing Authorization: Bearer token")
        }
        if let pageToken, ConstantTime.equals(bearer, pageToken) { return false }
        guard let keys, let appID, bearer.split(separator: ".", omittingEmptySubsequences: false).count == 3 else {
            throw IngressError(.unauthorized, "invalid bearer token")
        }
        // Only the Web Chat / Direct Line channel posts here: a Teams activity and its token
        // replayed to this route are refused.
        let channelID = activity?["channelId"]?.stringValue
        guard let channelID, Self.connectorChannels.contains(channelID) else {
            throw IngressError(
                .unauthorized,
                "this route takes activities of the webchat or directline channel, not \(channelID ?? "(none)")"
            )
        }
        _ = try await keys.verify(
            authorization: request.header("authorization"),
            appID: appID,
            channelID: channelID,
            serviceURL: activity?["serviceUrl"]?.stringValue
        )
        return true
    }

    /// The Bot Framework channels whose activities this route takes with their JWT.
    static let connectorChannels: Set<String> = ["webchat", "directline"]

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
