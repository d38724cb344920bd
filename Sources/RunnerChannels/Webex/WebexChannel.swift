internal import Foundation
internal import NIOHTTP1
public import RunnerCore
public import RunnerIngress

/// Cisco Webex: notifications in, the message text fetched before the flow runs, `POST /messages`
/// out (in the thread when the message was in one).
///
/// Before a flow runs, the notified message is read with `GET /messages/{id}` and its text put
/// in the canonical payload (a card's button press is read with `GET /attachment/actions/{id}`
/// and becomes a canonical button); the bot's own messages (the person of `GET /people/me`) never
/// run a flow, so replies cannot loop. Webex being unavailable makes the event wait and try
/// again. Replies: the text (`markdown` when the reply's `format` is `markdown`), buttons as an
/// Adaptive Card with `Action.Submit` (their `data` is `{id, payload}`), each file its own message.
public struct WebexChannel: Channel {
    public let provider = "webex"
    private let client: ProviderHTTPClient
    private let baseURL: String
    private let identities = WebexIdentities()

    /// - Parameter baseURL: `WEBEX_API_BASE_URL` (default `https://webexapis.com/v1`), without a trailing slash.
    public init(client: ProviderHTTPClient, baseURL: String = "https://webexapis.com/v1") {
        self.client = client
        self.baseURL = baseURL
    }

    public var routes: [ChannelRoute] { [ChannelRoute("/webex/webhook", adapter: WebexAdapter())] }

    public var requiredCredentials: [String] { ["WEBEX_WEBHOOK_SECRET", "WEBEX_BOT_TOKEN"] }

    static let timeout = Duration.seconds(15)

    // MARK: - Before the flow

    public func prepare(_ input: JSONValue, context: PrepareContext) async throws(PrepareError) -> PreparedInput {
        guard let token = context.credentials.value("WEBEX_BOT_TOKEN") else {
            throw PrepareError(transient: false, "WEBEX_BOT_TOKEN is not configured for tenant \(context.tenant)")
        }
        let notification = input["raw"] ?? .null
        guard let id = notification["data"]?["id"]?.stringValue else {
            throw PrepareError(transient: false, "the notification has no data.id")
        }
        let me = try await identity(token: token)
        if let person = notification["data"]?["personId"]?.stringValue, person == me {
            return .skip("the bot's own message")
        }
        let resource = notification["resource"]?.stringValue
        let path =
            resource == "attachmentActions"
            ? "/attachment/actions/\(FormEncoding.percentEncodePathSegment(id))" : "/messages/\(FormEncoding.percentEncodePathSegment(id))"
        let fetched: JSONValue
        switch try await get(path, token: token) {
        case .found(let json): fetched = json
        case .gone: return .skip("the message is gone")
        }
        if let person = fetched["personId"]?.stringValue, person == me { return .skip("the bot's own message") }
        var payload = input
        if resource == "attachmentActions" {
            let inputs = fetched["inputs"] ?? .null
            let id = inputs["id"]?.stringValue ?? ""
            let button: JSONValue = [
                "id": .string(id), "title": inputs["title"] ?? .string(id), "payload": .string(inputs["payload"]?.stringValue ?? id),
            ]
            payload["buttons"] = [button]
            payload["text"] = inputs["title"] ?? .string(id)
            payload["session"]?["scopes"] = ["buttons", "chat"]
        } else {
            payload["text"] = fetched["text"] ?? .null
        }
        return .run(payload)
    }

    private enum Fetched {
        case found(JSONValue)
        case gone
    }

    private func get(_ path: String, token: String) async throws(PrepareError) -> Fetched {
        let result = await client.execute(.GET, baseURL + path, headers: [("authorization", "Bearer \(token)")], timeout: Self.timeout)
        let response: ProviderHTTPClient.Response
        switch result {
        case .success(let answer): response = answer
        case .failure(let failure): throw PrepareError(transient: true, "Webex GET \(path) failed: \(failure)")
        }
        switch response.status {
        case 200..<300:
            guard let json = response.json else { throw PrepareError(transient: true, "Webex GET \(path) answered without JSON") }
            return .found(json)
        case 404, 410:
            return .gone
        case 408, 429, 500...:
            throw PrepareError(
                transient: true,
                "Webex GET \(path) answered HTTP \(response.status)",
                retryAfterSeconds: response.retryAfterSeconds(now: Date())
            )
        default:
            throw PrepareError(transient: false, "Webex GET \(path) answered HTTP \(response.status)")
        }
    }

    /// The bot's person id (cached per token).
    private func identity(token: String) async throws(PrepareError) -> String {
        if let known = await identities.person(for: token) { return known }
        guard case .found(let me) = try await get("/people/me", token: token), let id = me["id"]?.stringValue else {
            throw PrepareError(transient: true, "Webex GET /people/me did not name the bot")
        }
        await identities.remember(id, for: token)
        return id
    }

    // MARK: - Replies

    public func deliverable(_ message: OutboundMessage) -> [OutboundMessage] { message.oneAttachmentEach }

    public func send(_ message: OutboundMessage, to address: WebexAddress, context: DeliveryContext) async throws(DeliveryError) {
        let token = try context.requiredCredential("WEBEX_BOT_TOKEN")
        let result = await client.execute(
            .POST,
            "\(baseURL)/messages",
            headers: [("content-type", "application/json"), ("authorization", "Bearer \(token)")],
            body: JSONValue.object(try Self.messageBody(message, to: address)).serializedBytes(),
            timeout: context.timeout
        )
        let response: ProviderHTTPClient.Response
        switch result {
        case .success(let answer): response = answer
        case .failure(let failure): throw DeliveryError(failure, provider: "Webex POST /messages")
        }
        guard (200..<300).contains(response.status) else {
            throw DeliveryError(
                status: response.status,
                provider: "Webex POST /messages",
                detail: response.json?["message"]?.stringValue ?? "",
                retryAfterSeconds: response.retryAfterSeconds(now: Date())
            )
        }
    }

    /// The JSON body of `POST /messages` for one reply.
    static func messageBody(_ message: OutboundMessage, to address: WebexAddress) throws(DeliveryError) -> [String: JSONValue] {
        guard message.kind == .message else { throw DeliveryError(.permanent, "Webex has no acknowledgement message") }
        var body: [String: JSONValue] = ["roomId": .string(address.roomID)]
        if let parent = address.parentID { body["parentId"] = .string(parent) }
        let text = message.text ?? (message.buttons.isEmpty ? nil : message.buttons.map(\.title).joined(separator: " · "))
        if let text { body[message.format?.lowercased() == "markdown" ? "markdown" : "text"] = .string(text) }
        if let file = message.attachments.first { body["files"] = [.string(file.url)] }
        if !message.buttons.isEmpty {
            let actions: [JSONValue] = message.buttons.map { button in
                button.url.map { ["type": "Action.OpenUrl", "title": .string(button.title), "url": .string($0)] }
                    ?? [
                        "type": "Action.Submit", "title": .string(button.title),
                        "data": ["id": .string(button.id), "title": .string(button.title), "payload": .string(button.payload)],
                    ]
            }
            body["attachments"] = [
                [
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": [
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.2",
                        "body": [["type": "TextBlock", "text": .string(text ?? ""), "wrap": true]], "actions": .array(actions),
                    ],
                ]
            ]
        }
        guard body.count > 1 + (address.parentID == nil ? 0 : 1) else { throw DeliveryError(.permanent, "the reply is empty") }
        return body
    }
}

/// The bot's own person id per token, so its messages are recognised.
actor WebexIdentities {
    private var people: [String: String] = [:]

    func person(for token: String) -> String? { people[token] }

    func remember(_ person: String, for token: String) { people[token] = person }
}
