internal import Crypto
public import Foundation
public import RunnerCore
public import RunnerIngress

/// The WhatsApp Cloud API webhook: `GET` and `POST /whatsapp/webhook` (reference §8.4, every
/// message of a batch handled).
///
/// `GET` is Meta's subscription handshake: `hub.mode=subscribe` with `hub.verify_token` equal to
/// the tenant's `WHATSAPP_VERIFY_TOKEN` answers `hub.challenge` as text; anything else is a 403.
/// `POST` must carry `X-Hub-Signature-256: sha256=` and the hex HMAC-SHA256 of the raw body under
/// `WHATSAPP_APP_SECRET`. Every message of every change is its own event, accepted together in
/// one transaction (202); a callback with only delivery statuses is answered 200 without a flow.
/// Dedupe is by the message `id`.
public struct WhatsAppAdapter: IngressAdapter {
    public let provider = "whatsapp"

    public init() {}

    public func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        if request.method == "GET" { return try verification(request) }
        let secret = try request.requiredCredential("WHATSAPP_APP_SECRET")
        guard let header = request.header("x-hub-signature-256"), header.hasPrefix("sha256=") else {
            throw IngressError(.unauthorized, "missing or malformed X-Hub-Signature-256")
        }
        let expected = Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Array(secret.utf8)))))
        guard ConstantTime.equals(String(header.dropFirst("sha256=".count)).lowercased(), expected) else {
            throw IngressError(.unauthorized, "invalid X-Hub-Signature-256")
        }
        let body = try request.jsonBody()
        guard let entries = body["entry"]?.arrayValue else { throw IngressError(.badRequest, "entry must be a list") }
        var events: [IngressEvent] = []
        for entry in entries {
            for change in entry["changes"]?.arrayValue ?? [] {
                let value = change["value"] ?? .null
                for message in value["messages"]?.arrayValue ?? [] {
                    events.append(try event(for: message, value: value, body: body, request: request))
                }
            }
        }
        guard !events.isEmpty else { return .respond(IngressResponse(status: 200)) }
        return .accept(events, answer: IngressResponse(status: 202))
    }

    private func verification(_ request: IngressRequest) throws(IngressError) -> IngressResult {
        guard let token = request.credentials.value("WHATSAPP_VERIFY_TOKEN") else {
            return .respond(.error(403, "WHATSAPP_VERIFY_TOKEN is not configured for tenant \(request.tenant)"))
        }
        let query = request.queryParameters
        guard query["hub.mode"] == "subscribe", let given = query["hub.verify_token"], ConstantTime.equals(given, token),
            let challenge = query["hub.challenge"]
        else {
            return .respond(IngressResponse(status: 403))
        }
        return .respond(IngressResponse(status: 200, headers: ["content-type": "text/plain"], body: Array(challenge.utf8)))
    }

    private func event(
        for message: JSONValue,
        value: JSONValue,
        body: JSONValue,
        request: IngressRequest
    ) throws(IngressError) -> IngressEvent {
        guard let from = message["from"]?.stringValue, !from.isEmpty else { throw IngressError(.badRequest, "message.from is required") }
        guard let id = message["id"]?.stringValue, !id.isEmpty else { throw IngressError(.badRequest, "message.id is required") }
        let canonical = Self.canonicalMessage(tenant: request.tenant, message: message, body: body, now: request.receivedAt)
        var reply: ReplyTarget?
        if let phoneNumberID = value["metadata"]?["phone_number_id"]?.stringValue {
            reply = try WhatsAppAddress(phoneNumberID: phoneNumberID, to: from).target(provider: provider)
        }
        return IngressEvent(
            provider: provider,
            input: canonical.json,
            sessionKey: canonical.sessionKey,
            flow: .firstOfType("messaging"),
            dedupe: DedupeID(namespace: provider, id: id),
            reply: reply
        )
    }

    /// The canonical payload of one message (reference §8.4).
    public static func canonicalMessage(tenant: String, message: JSONValue, body: JSONValue, now: Date) -> CanonicalMessage {
        let from = message["from"]?.stringValue
        let type = message["type"]?.stringValue
        var text: String?
        var attachments: [CanonicalMessage.Attachment] = []
        var buttons: [CanonicalMessage.Button] = []
        switch type {
        case "text":
            text = message["text"]?["body"]?.stringValue
        case "image", "audio", "video":
            let media = message[type ?? ""] ?? .null
            attachments.append(
                .init(
                    type: type ?? "file",
                    name: media["caption"]?.stringValue,
                    mime: media["mime_type"]?.stringValue,
                    url: media["link"]?.stringValue
                )
            )
        case "document":
            let document = message["document"] ?? .null
            attachments.append(
                .init(
                    type: "file",
                    name: document["filename"]?.stringValue,
                    mime: document["mime_type"]?.stringValue,
                    url: document["link"]?.stringValue
                )
            )
        case "location":
            text = message["location"]?["name"]?.stringValue ?? "location"
        case "interactive":
            let interactive = message["interactive"] ?? .null
            if let reply = interactive["button_reply"] ?? interactive["list_reply"], let id = reply["id"]?.stringValue {
                let title = reply["title"]?.stringValue ?? id
                buttons.append(.init(id: id, title: title, payload: id))
                text = title
            }
        case "button":
            if let title = message["button"]?["text"]?.stringValue {
                let payload = message["button"]?["payload"]?.stringValue ?? title
                buttons.append(.init(id: payload, title: title, payload: payload))
                text = title
            }
        default:
            break
        }
        var scopes = ["chat"]
        if !attachments.isEmpty { scopes.append("attachments") }
        if !buttons.isEmpty { scopes.append("buttons") }
        let timestamp = message["timestamp"]?.stringValue.flatMap(Int64.init).map { Date(timeIntervalSince1970: Double($0)) } ?? now
        return CanonicalMessage(
            tenant: tenant,
            provider: "whatsapp",
            providerIDs: ProviderIDs(conversationID: from, userID: from, messageID: message["id"]?.stringValue),
            sessionScopes: scopes,
            timestamp: timestamp,
            text: text,
            attachments: attachments,
            buttons: buttons,
            channelData: ["type": message["type"] ?? .null],
            raw: body
        )
    }
}
