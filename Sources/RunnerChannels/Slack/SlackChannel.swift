internal import Foundation
internal import NIOHTTP1
internal import RunnerCore
public import RunnerIngress

/// Slack: events and interactions in, `chat.postMessage` out (in the thread when the message
/// was in one).
///
/// A reply is one `chat.postMessage`: the text, image attachments as `image` blocks, other
/// attachments as links in the text, and buttons as an `actions` block (`action_id` = the
/// button's id, `value` = its payload; a button with a `url` opens it). Slack answers HTTP 200
/// with `"ok": false` for most errors: rate limits and Slack's own failures are retried, every
/// other error (a revoked token, a channel the bot is not in) is a dead letter.
public struct SlackChannel: Channel {
    public let provider = "slack"
    private let client: ProviderHTTPClient
    private let baseURL: String

    /// - Parameters:
    ///   - baseURL: `SLACK_API_BASE_URL` (default `https://slack.com/api`), without a trailing slash.
    public init(client: ProviderHTTPClient, baseURL: String = "https://slack.com/api") {
        self.client = client
        self.baseURL = baseURL
    }

    public var routes: [ChannelRoute] {
        [
            ChannelRoute("/slack/events", adapter: SlackEventsAdapter()),
            ChannelRoute("/slack/interactive", adapter: SlackInteractiveAdapter()),
        ]
    }

    public var requiredCredentials: [String] { ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"] }

    /// `chat.postMessage` errors worth retrying; any other is permanent.
    static let transientErrors: Set<String> = [
        "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org",
    ]

    public func send(_ message: OutboundMessage, to address: SlackAddress, context: DeliveryContext) async throws(DeliveryError) {
        let token = try context.requiredCredential("SLACK_BOT_TOKEN")
        let body = try Self.postMessage(message, to: address)
        let result = await client.execute(
            .POST,
            "\(baseURL)/chat.postMessage",
            headers: [("content-type", "application/json; charset=utf-8"), ("authorization", "Bearer \(token)")],
            body: JSONValue.object(body).serializedBytes(),
            timeout: context.timeout
        )
        let response: ProviderHTTPClient.Response
        switch result {
        case .success(let answer): response = answer
        case .failure(let failure): throw DeliveryError(failure, provider: "Slack chat.postMessage")
        }
        let retryAfter = response.retryAfterSeconds(now: Date())
        guard (200..<300).contains(response.status) else {
            throw DeliveryError(
                status: response.status,
                provider: "Slack chat.postMessage",
                detail: response.json?["error"]?.stringValue ?? "",
                retryAfterSeconds: retryAfter
            )
        }
        guard let json = response.json, json["ok"]?.boolValue == true else {
            let error = response.json?["error"]?.stringValue ?? "an answer that is not {\"ok\": true}"
            throw DeliveryError(
                Self.transientErrors.contains(error) ? .transient : .permanent,
                "Slack chat.postMessage failed: \(error)",
                retryAfterSeconds: retryAfter
            )
        }
    }

    /// The JSON body of `chat.postMessage` for one reply.
    static func postMessage(_ message: OutboundMessage, to address: SlackAddress) throws(DeliveryError) -> [String: JSONValue] {
        guard message.kind == .message else { throw DeliveryError(.permanent, "Slack has no acknowledgement message") }
        var text = message.text ?? ""
        for attachment in message.attachments where attachment.type != "image" {
            text += (text.isEmpty ? "" : "\n") + "<\(attachment.url)|\(attachment.name ?? attachment.url)>"
        }
        let images = message.attachments.filter { $0.type == "image" }
        var blocks: [JSONValue] = []
        if !text.isEmpty, !message.buttons.isEmpty || !images.isEmpty {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": .string(text)]])
        }
        for image in images {
            blocks.append(["type": "image", "image_url": .string(image.url), "alt_text": .string(image.name ?? "image")])
        }
        // Slack takes at most 25 elements per actions block.
        for start in stride(from: 0, to: message.buttons.count, by: 25) {
            let elements: [JSONValue] = message.buttons[start..<min(start + 25, message.buttons.count)].map { button in
                var element: [String: JSONValue] = [
                    "type": "button", "text": ["type": "plain_text", "text": .string(button.title)], "action_id": .string(button.id),
                ]
                if let url = button.url { element["url"] = .string(url) } else { element["value"] = .string(button.payload) }
                return .object(element)
            }
            blocks.append(["type": "actions", "elements": .array(elements)])
        }
        if text.isEmpty {
            // The notification text when only blocks are sent.
            text = message.buttons.map(\.title).joined(separator: " · ")
        }
        guard !text.isEmpty || !blocks.isEmpty else { throw DeliveryError(.permanent, "the reply is empty") }
        var body: [String: JSONValue] = ["channel": .string(address.channel), "text": .string(text)]
        if let thread = address.threadTS { body["thread_ts"] = .string(thread) }
        if !blocks.isEmpty { body["blocks"] = .array(blocks) }
        if message.format == "plain" { body["mrkdwn"] = false }
        return body
    }
}
