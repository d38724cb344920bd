public import Foundation
public import RunnerCore
public import RunnerIngress

/// Slack's interactivity: `POST /slack/interactive` (reference §8.4, signed over the raw body).
///
/// The body is `application/x-www-form-urlencoded` with one field, `payload`, holding JSON; the
/// signature covers the raw, still-encoded body (the original signed the decoded payload, which
/// real Slack requests never match). `block_actions` (a button pressed, an option picked) run
/// the messaging flow after a 200; every other interaction type is answered 200 and ignored.
/// Dedupe is by `trigger_id`, else the action's `action_ts`.
public struct SlackInteractiveAdapter: IngressAdapter {
    public let provider = "slack"

    public init() {}

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        try SlackSignature.verify(request)
        guard request.hasFormContentType else {
            throw IngressError(.unsupportedMediaType, "expected Content-Type: application/x-www-form-urlencoded")
        }
        guard let text = String(validating: request.body, as: UTF8.self) else {
            throw IngressError(.badRequest, "the body is not UTF-8")
        }
        guard let field = FormEncoding.decode(text)["payload"] else {
            throw IngressError(.badRequest, "the form has no payload field")
        }
        let payload: JSONValue
        do {
            payload = try JSONValue(parsing: Array(field.utf8), limits: request.jsonLimits)
        } catch {
            throw IngressError(.badRequest, "payload is not valid JSON: \(error)")
        }
        guard payload.objectValue != nil else { throw IngressError(.badRequest, "payload must be a JSON object") }
        guard payload["type"]?.stringValue == "block_actions" else { return .respond(IngressResponse(status: 200)) }
        guard let user = payload["user"]?["id"]?.stringValue, !user.isEmpty else {
            throw IngressError(.badRequest, "payload.user.id is required")
        }
        let canonical = Self.canonicalMessage(tenant: request.tenant, payload: payload, user: user, now: request.receivedAt)
        let channel = payload["channel"]?["id"]?.stringValue ?? user
        let thread = Self.thread(of: payload)
        let event = IngressEvent(
            provider: provider,
            input: canonical.json,
            sessionKey: canonical.sessionKey,
            flow: .firstOfType("messaging"),
            dedupe: canonical.providerIDs.eventID.map { DedupeID(namespace: "\(provider).interactive", id: $0) },
            reply: try SlackAddress(channel: channel, threadTS: thread).target(provider: provider)
        )
        return .accept([event], answer: IngressResponse(status: 200))
    }

    /// The thread of the message whose button was pressed: the press continues that thread's
    /// conversation (the original keyed it by the channel, so a flow waiting in a thread never
    /// got it).
    static func thread(of payload: JSONValue) -> String? {
        payload["message"]?["thread_ts"]?.stringValue ?? payload["container"]?["thread_ts"]?.stringValue
    }

    /// The canonical payload of a `block_actions` interaction (reference §8.4, threads kept).
    public static func canonicalMessage(tenant: String, payload: JSONValue, user: String, now: Date) -> CanonicalMessage {
        let actions = payload["actions"]?.arrayValue ?? []
        let channel = payload["channel"]?["id"]?.stringValue
        let thread = thread(of: payload)
        let actionTS = actions.first?["action_ts"]?.stringValue ?? payload["action_ts"]?.stringValue
        let ids = ProviderIDs(
            workspaceID: payload["team"]?["id"]?.stringValue,
            conversationID: thread ?? channel,
            threadID: thread,
            channelID: channel,
            userID: user,
            eventID: payload["trigger_id"]?.stringValue ?? actionTS
        )
        let buttons: [CanonicalMessage.Button] = actions.map { action in
            .init(
                id: action["action_id"]?.stringValue ?? "",
                title: action["text"]?["text"]?.stringValue ?? "Button",
                payload: action["value"]?.stringValue ?? action["selected_option"]?["value"]?.stringValue ?? ""
            )
        }
        return CanonicalMessage(
            tenant: tenant,
            provider: "slack",
            providerIDs: ids,
            sessionScopes: ["buttons", "chat"],
            timestamp: actionTS.flatMap(SlackTimestamp.date(from:)) ?? now,
            text: payload["message"]?["text"]?.stringValue,
            buttons: buttons,
            channelData: ["type": payload["type"] ?? .null],
            raw: payload
        )
    }
}
