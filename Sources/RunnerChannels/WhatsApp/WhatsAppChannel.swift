internal import Foundation
internal import NIOHTTP1
internal import RunnerCore
public import RunnerIngress

/// WhatsApp Cloud API: webhooks in, `POST /{phone-number-id}/messages` out.
///
/// A reply's text is a `text` message; with up to three buttons it is an interactive `button`
/// message (titles cut to WhatsApp's 20 characters), with more an interactive `list` (up to
/// ten rows); link buttons become links in the text; each attachment is its own
/// `image`/`audio`/`video`/`document` message by link. Rate limits (HTTP 429, error codes 4,
/// 80007, 130429, 131048, 131056) and Meta's own failures are retried; other errors are dead letters.
public struct WhatsAppChannel: Channel {
    public let provider = "whatsapp"
    private let client: ProviderHTTPClient
    private let baseURL: String

    /// - Parameter baseURL: `WHATSAPP_API_BASE_URL` (default `https://graph.facebook.com/v21.0`), without a trailing slash.
    public init(client: ProviderHTTPClient, baseURL: String = "https://graph.facebook.com/v21.0") {
        self.client = client
        self.baseURL = baseURL
    }

    public var routes: [ChannelRoute] { [ChannelRoute("/whatsapp/webhook", methods: ["GET", "POST"], adapter: WhatsAppAdapter())] }

    public var requiredCredentials: [String] { ["WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_ACCESS_TOKEN"] }

    /// Graph API error codes that mean "slow down".
    static let rateLimitCodes: Set<Int64> = [4, 80007, 130429, 131048, 131056]

    public func deliverable(_ message: OutboundMessage) -> [OutboundMessage] { message.oneAttachmentEach }

    public func send(_ message: OutboundMessage, to address: WhatsAppAddress, context: DeliveryContext) async throws(DeliveryError) {
        let token = try context.requiredCredential("WHATSAPP_ACCESS_TOKEN")
        let result = await client.execute(
            .POST,
            "\(baseURL)/\(FormEncoding.percentEncodePathSegment(address.phoneNumberID))/messages",
            headers: [("content-type", "application/json"), ("authorization", "Bearer \(token)")],
            body: JSONValue.object(try Self.messageBody(message, to: address)).serializedBytes(),
            timeout: context.timeout
        )
        let response: ProviderHTTPClient.Response
        switch result {
        case .success(let answer): response = answer
        case .failure(let failure): throw DeliveryError(failure, provider: "WhatsApp messages")
        }
        guard (200..<300).contains(response.status) else {
            let error = response.json?["error"]
            let retryAfter = response.retryAfterSeconds(now: Date())
            if let code = error?["code"]?.int64Value, Self.rateLimitCodes.contains(code) {
                throw DeliveryError(
                    .transient,
                    "WhatsApp rate limit (code \(code)): \(error?["message"]?.stringValue ?? "")",
                    retryAfterSeconds: retryAfter
                )
            }
            throw DeliveryError(
                status: response.status,
                provider: "WhatsApp messages",
                detail: error?["message"]?.stringValue ?? "",
                retryAfterSeconds: retryAfter
            )
        }
    }

    /// The JSON body of one Cloud API message.
    static func messageBody(_ message: OutboundMessage, to address: WhatsAppAddress) throws(DeliveryError) -> [String: JSONValue] {
        guard message.kind == .message else { throw DeliveryError(.permanent, "WhatsApp has no acknowledgement message") }
        var body: [String: JSONValue] = ["messaging_product": "whatsapp", "recipient_type": "individual", "to": .string(address.to)]
        if let attachment = message.attachments.first {
            let type =
                switch attachment.type {
                case "image", "audio", "video": attachment.type
                default: "document"
                }
            var media: [String: JSONValue] = ["link": .string(attachment.url)]
            if type == "document", let name = attachment.name { media["filename"] = .string(name) }
            if type == "image" || type == "video", let name = attachment.name { media["caption"] = .string(name) }
            body["type"] = .string(type)
            body[type] = .object(media)
            return body
        }
        var text = message.text ?? ""
        for link in message.buttons where link.url != nil {
            text += (text.isEmpty ? "" : "\n") + "\(link.title): \(link.url ?? "")"
        }
        let replies = message.buttons.filter { $0.url == nil }
        if replies.isEmpty {
            guard !text.isEmpty else { throw DeliveryError(.permanent, "the reply is empty") }
            body["type"] = "text"
            body["text"] = ["body": .string(text), "preview_url": false]
            return body
        }
        let prompt: JSONValue = ["text": .string(text.isEmpty ? "Please choose:" : text)]
        if replies.count <= 3 {
            let buttons: [JSONValue] = replies.map {
                ["type": "reply", "reply": ["id": .string($0.payload), "title": .string(Self.cut($0.title, 20))]]
            }
            body["type"] = "interactive"
            body["interactive"] = ["type": "button", "body": prompt, "action": ["buttons": .array(buttons)]]
        } else {
            guard replies.count <= 10 else {
                throw DeliveryError(.permanent, "WhatsApp lists hold at most 10 options; the reply has \(replies.count)")
            }
            let rows: [JSONValue] = replies.map { ["id": .string($0.payload), "title": .string(Self.cut($0.title, 24))] }
            body["type"] = "interactive"
            body["interactive"] = ["type": "list", "body": prompt, "action": ["button": "Choose", "sections": [["rows": .array(rows)]]]]
        }
        return body
    }

    /// `text` cut to `limit` characters (with an ellipsis when cut).
    static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
