public import Foundation
public import RunnerCore
public import RunnerIngress

/// Slack's Events API: `POST /slack/events` (reference §8.4, with the five-minute window).
///
/// Every request is verified first (``SlackSignature``), the `url_verification` handshake
/// included. `message` events (plain, `file_share`, `thread_broadcast`) and `app_mention`s from
/// people are accepted and answered 200 with an empty body at once, well within Slack's 3
/// seconds; the flow runs after. Bots' messages (the runner's own replies among them), edits,
/// deletions and every other event type are answered 200 and ignored. Dedupe is by `event_id`,
/// so Slack's retries (`X-Slack-Retry-Num`) get the first answer; a retry of a delivery that
/// failed before it was recorded runs.
public struct SlackEventsAdapter: IngressAdapter {
    public let provider = "slack"

    public init() {}

    /// Message subtypes that carry something a person said.
    static let runnableSubtypes: Set<String> = ["file_share", "thread_broadcast"]

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        try SlackSignature.verify(request)
        let body = try request.jsonBody()
        guard body.objectValue != nil else { throw IngressError(.badRequest, "the body must be a JSON object") }
        switch body["type"]?.stringValue {
        case "url_verification":
            guard let challenge = body["challenge"]?.stringValue else {
                throw IngressError(.badRequest, "url_verification without a challenge")
            }
            return .respond(.json(200, ["challenge": .string(challenge)]))
        case "event_callback":
            guard let event = body["event"], event.objectValue != nil else {
                throw IngressError(.badRequest, "event_callback without an event")
            }
            guard Self.isRunnable(event) else { return .respond(IngressResponse(status: 200)) }
            guard let user = event["user"]?.stringValue, !user.isEmpty else {
                throw IngressError(.badRequest, "event.user is required")
            }
            guard let channel = event["channel"]?.stringValue, !channel.isEmpty else {
                throw IngressError(.badRequest, "event.channel is required")
            }
            let canonical = Self.canonicalMessage(tenant: request.tenant, body: body, event: event, user: user, now: request.receivedAt)
            let address = SlackAddress(channel: channel, threadTS: event["thread_ts"]?.stringValue)
            let eventEvent = IngressEvent(
                provider: provider,
                input: canonical.json,
                sessionKey: canonical.sessionKey,
                flow: .firstOfType("messaging"),
                dedupe: body["event_id"]?.stringValue.map { DedupeID(namespace: provider, id: $0) },
                reply: try address.target(provider: provider)
            )
            return .accept([eventEvent], answer: IngressResponse(status: 200))
        default:
            return .respond(IngressResponse(status: 200))
        }
    }

    /// A person's message or mention (not a bot's, not an edit or a deletion).
    static func isRunnable(_ event: JSONValue) -> Bool {
        guard event["bot_id"]?.stringValue == nil, event["subtype"]?.stringValue != "bot_message" else { return false }
        switch event["type"]?.stringValue {
        case "app_mention": return true
        case "message": return event["subtype"]?.stringValue.map { runnableSubtypes.contains($0) } ?? true
        default: return false
        }
    }

    /// The canonical payload of a message event (reference §8.4).
    public static func canonicalMessage(tenant: String, body: JSONValue, event: JSONValue, user: String, now: Date) -> CanonicalMessage {
        let threadTS = event["thread_ts"]?.stringValue
        let channel = event["channel"]?.stringValue
        let ids = ProviderIDs(
            workspaceID: body["team_id"]?.stringValue,
            conversationID: threadTS ?? channel,
            threadID: threadTS,
            channelID: channel,
            userID: user,
            messageID: event["ts"]?.stringValue,
            eventID: body["event_id"]?.stringValue
        )
        let attachments: [CanonicalMessage.Attachment] = (event["files"]?.arrayValue ?? []).map { file in
            let mime = file["mimetype"]?.stringValue
            return .init(
                type: mime.map(OutboundMessage.Attachment.type(forMIME:)) ?? "file",
                name: file["name"]?.stringValue,
                mime: mime,
                size: file["size"]?.int64Value ?? 0,
                url: file["url_private"]?.stringValue
            )
        }
        var buttons: [CanonicalMessage.Button] = []
        for block in event["blocks"]?.arrayValue ?? [] {
            for element in block["elements"]?.arrayValue ?? [] where element["type"]?.stringValue == "button" {
                buttons.append(
                    .init(
                        id: element["action_id"]?.stringValue ?? "",
                        title: element["text"]?["text"]?.stringValue ?? "Button",
                        payload: element["value"]?.stringValue ?? ""
                    )
                )
            }
        }
        var scopes = ["chat"]
        if !attachments.isEmpty { scopes.append("attachments") }
        if !buttons.isEmpty { scopes.append("buttons") }
        let timestamp =
            event["ts"]?.stringValue.flatMap(SlackTimestamp.date(from:))
            ?? body["event_time"]?.int64Value.map { Date(timeIntervalSince1970: Double($0)) } ?? now
        return CanonicalMessage(
            tenant: tenant,
            provider: "slack",
            providerIDs: ids,
            sessionScopes: scopes,
            timestamp: timestamp,
            locale: event["locale"]?.stringValue,
            text: event["text"]?.stringValue,
            attachments: attachments,
            buttons: buttons,
            channelData: ["type": event["type"] ?? .null, "subtype": event["subtype"] ?? .null],
            raw: body
        )
    }
}

/// Slack's `ts` values (`"1731315600.000100"`) as dates, whole seconds (as the original).
enum SlackTimestamp {
    static func date(from ts: String) -> Date? {
        guard let seconds = Int64(ts.split(separator: ".", maxSplits: 1).first ?? "") else { return nil }
        return Date(timeIntervalSince1970: Double(seconds))
    }
}
