import AsyncHTTPClient
import Crypto
import Foundation
import RunnerCore
import RunnerIngress
import RunnerTestSupport
import Testing

@testable import RunnerChannels

@Suite("Webex")
struct WebexTests {
    static let secret = "webex-secret"

    static func signature(_ body: String, secret: String = WebexTests.secret) -> String {
        Hex.encode(Array(HMAC<Insecure.SHA1>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(secret.utf8)))))
    }

    static func request(_ body: String, signature: String? = nil, tenant: String = "cisco") -> IngressRequest {
        IngressRequest(
            method: "POST",
            path: "/webex/webhook",
            headers: [(name: "X-Spark-Signature", value: signature ?? Self.signature(body))],
            body: Array(body.utf8),
            tenant: tenant,
            credentials: ChannelCredentials(["WEBEX_WEBHOOK_SECRET": Self.secret]),
            receivedAt: Date(timeIntervalSince1970: 0)
        )
    }

    static let created = #"""
        {"id":"hook-1","name":"bot","resource":"messages","event":"created","created":"2025-11-11T09:00:00.000Z","actorId":"person-456",
         "data":{"id":"msg-1","roomId":"room-1","roomType":"group","personId":"person-456","personEmail":"ada@example.com",
                 "parentId":"parent-789","created":"2025-11-11T09:00:00.000Z","files":["https://webexapis.com/v1/contents/f1"]}}
        """#

    @Test func aSignedNotificationIsAcceptedWithItsIDsAndTheTextIsFetchedLater() async throws {
        guard case .accept(let events, let ack) = try await WebexAdapter().handle(Self.request(Self.created)), let event = events.first
        else {
            Issue.record("expected an accepted event")
            return
        }
        #expect(ack.status == 202)
        #expect(event.sessionKey == "cisco:webex:parent-789:person-456")
        #expect(event.input["attachments"]?.arrayValue?.first?["url"] == "https://webexapis.com/v1/contents/f1")
        #expect(event.input["channel_data"] == ["resource": "messages", "event": "created", "roomType": "group"])
        #expect(event.input["text"] == .null, "the notification carries no text")
        #expect(event.dedupe == DedupeID(namespace: "webex", id: "msg-1"))
        #expect(event.reply?.address == ["room_id": "room-1", "parent_id": "parent-789"])

        let upper = Self.signature(Self.created).uppercased()
        guard case .accept = try await WebexAdapter().handle(Self.request(Self.created, signature: upper)) else {
            Issue.record("the hex digest compares without regard to case")
            return
        }
        for forged in ["", "00", Self.signature(Self.created, secret: "nope")] {
            let error = await #expect(throws: IngressError.self) {
                try await WebexAdapter().handle(Self.request(Self.created, signature: forged))
            }
            #expect(error?.code == .unauthorized)
        }
        guard
            case .respond(let ignored) = try await WebexAdapter().handle(
                Self.request(#"{"resource":"memberships","event":"created","data":{}}"#)
            )
        else {
            Issue.record("other notifications are acknowledged")
            return
        }
        #expect(ignored.status == 202)
        for bad in [#"{"resource":"messages","event":"created"}"#, #"{"resource":"messages","event":"created","data":{"id":"x"}}"#, "[]"] {
            let error = await #expect(throws: IngressError.self) { try await WebexAdapter().handle(Self.request(bad)) }
            #expect(error?.code == .badRequest)
        }
    }

    @Test func prepareFetchesTheTextAndSkipsTheBotsOwnMessages() async throws {
        let api = FakeProviderAPI { call in
            switch call.path {
            case "/v1/people/me": return .json(200, ["id": "bot-person", "emails": ["bot@webex.bot"]])
            case "/v1/messages/msg-1":
                return .json(200, ["id": "msg-1", "roomId": "room-1", "text": "hello from Webex", "personId": "person-456"])
            case "/v1/messages/mine": return .json(200, ["id": "mine", "roomId": "room-1", "text": "a reply", "personId": "bot-person"])
            case "/v1/messages/busy": return .json(503, ["message": "try later"], headers: ["retry-after": "7"])
            case "/v1/attachment/actions/act-1":
                return .json(200, ["id": "act-1", "type": "submit", "inputs": ["id": "yes", "title": "Yes", "payload": "y"]])
            default: return .json(404, ["message": "not found"])
            }
        }
        try await api.run { baseURL in
            let channel = WebexChannel(client: ProviderHTTPClient(http: HTTPClient.shared), baseURL: baseURL + "/v1")
            let context = PrepareContext(tenant: "cisco", credentials: ChannelCredentials(["WEBEX_BOT_TOKEN": "bot-token"]))
            func input(_ id: String, person: String = "person-456", resource: String = "messages") throws -> JSONValue {
                try WebexAdapter.canonicalMessage(
                    tenant: "cisco",
                    notification: [
                        "resource": .string(resource), "event": "created",
                        "data": ["id": .string(id), "roomId": "room-1", "personId": .string(person)],
                    ],
                    now: Date(timeIntervalSince1970: 0)
                ).json
            }
            guard case .run(let prepared) = try await channel.prepare(try input("msg-1"), context: context) else {
                Issue.record("expected the message to run")
                return
            }
            #expect(prepared["text"] == "hello from Webex")
            #expect(api.calls(to: "/messages/msg-1").first?.header("authorization") == "Bearer bot-token")
            #expect(
                try await channel.prepare(try input("anything", person: "bot-person"), context: context) == .skip("the bot's own message")
            )
            #expect(try await channel.prepare(try input("mine"), context: context) == .skip("the bot's own message"))
            #expect(try await channel.prepare(try input("deleted"), context: context) == .skip("the message is gone"))
            #expect(api.calls(to: "/people/me").count == 1, "the bot's identity is cached")
            let busy = await #expect(throws: PrepareError.self) { try await channel.prepare(try input("busy"), context: context) }
            #expect(busy?.isTransient == true)
            #expect(busy?.retryAfterSeconds == 7)
            guard case .run(let pressed) = try await channel.prepare(try input("act-1", resource: "attachmentActions"), context: context)
            else {
                Issue.record("expected the button press to run")
                return
            }
            #expect(pressed["buttons"] == [["id": "yes", "title": "Yes", "payload": "y"]])
            #expect(pressed["text"] == "Yes")
            let missing = await #expect(throws: PrepareError.self) {
                try await channel.prepare(try input("msg-1"), context: PrepareContext(tenant: "cisco", credentials: .none))
            }
            #expect(missing?.isTransient == false)
        }
    }

    @Test func repliesBecomeMessagesInTheThreadWithACardForButtons() throws {
        let body = JSONValue.object(
            try WebexChannel.messageBody(
                OutboundMessage(text: "**Pick**", buttons: [.init(id: "a", title: "A", payload: "pa")], format: "markdown"),
                to: WebexAddress(roomID: "room-1", parentID: "parent-1")
            )
        )
        #expect(body["roomId"] == "room-1")
        #expect(body["parentId"] == "parent-1")
        #expect(body["markdown"] == "**Pick**")
        #expect(body["attachments"]?.arrayValue?.first?["contentType"] == "application/vnd.microsoft.card.adaptive")
        #expect(
            body["attachments"]?.arrayValue?.first?["content"]?["actions"]
                == [["type": "Action.Submit", "title": "A", "data": ["id": "a", "title": "A", "payload": "pa"]]]
        )
        let file = JSONValue.object(
            try WebexChannel.messageBody(
                OutboundMessage(attachments: [.init(type: "file", url: "https://f")]),
                to: WebexAddress(roomID: "r")
            )
        )
        #expect(file == ["roomId": "r", "files": ["https://f"]])
        #expect(throws: DeliveryError.self) { try WebexChannel.messageBody(OutboundMessage(), to: WebexAddress(roomID: "r")) }
    }
}

@Suite("WhatsApp")
struct WhatsAppTests {
    static let secret = "app-secret"

    @Test func aTimestampFarOutOfRangeIsClampedNotACrash() {
        let message = WhatsAppAdapter.canonicalMessage(
            tenant: "acme",
            message: ["from": "15551234567", "id": "wamid.1", "timestamp": "9223372036854775807", "type": "text", "text": ["body": "hi"]],
            body: [:],
            now: Date(timeIntervalSince1970: 0)
        )
        #expect(message.json["timestamp"] == "9999-12-31T23:59:59+00:00")
    }

    static func request(_ body: String, signature: String? = nil, method: String = "POST", query: String? = nil) -> IngressRequest {
        let mac = Hex.encode(
            Array(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(Self.secret.utf8))))
        )
        return IngressRequest(
            method: method,
            path: "/whatsapp/webhook",
            query: query,
            headers: method == "POST" ? [(name: "X-Hub-Signature-256", value: signature ?? "sha256=\(mac)")] : [],
            body: Array(body.utf8),
            tenant: "zain-kuwait",
            credentials: ChannelCredentials(["WHATSAPP_APP_SECRET": Self.secret, "WHATSAPP_VERIFY_TOKEN": "verify-me"]),
            receivedAt: Date(timeIntervalSince1970: 0)
        )
    }

    static func batch(_ messages: [String], statuses: Bool = false) -> String {
        let status =
            statuses ? #","statuses":[{"id":"wamid.S","status":"delivered","timestamp":"1731315600","recipient_id":"447700900123"}]"# : ""
        return #"""
            {"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550001111","phone_number_id":"PNID"},
             "contacts":[{"profile":{"name":"Ada"},"wa_id":"447700900123"}],"messages":[\#(messages.joined(separator: ","))]\#(status)}}]}]}
            """#
    }

    static func message(_ id: String, _ type: String, _ content: String) -> String {
        #"{"from":"447700900123","id":"\#(id)","timestamp":"1731315600","type":"\#(type)",\#(content)}"#
    }

    @Test func theSubscriptionHandshakeAnswersTheChallenge() async throws {
        guard
            case .respond(let ok) = try await WhatsAppAdapter().handle(
                Self.request("", method: "GET", query: "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
            )
        else {
            Issue.record("expected an answer")
            return
        }
        #expect(ok.status == 200)
        #expect(ok.body == Array("1158201444".utf8))
        for query in [
            "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1",
            "",
        ] {
            guard case .respond(let refused) = try await WhatsAppAdapter().handle(Self.request("", method: "GET", query: query)) else {
                Issue.record("expected an answer")
                continue
            }
            #expect(refused.status == 403)
        }
    }

    @Test func everyMessageOfABatchIsAnEventAndStatusesRunNothing() async throws {
        let body = Self.batch([
            Self.message("wamid.1", "text", #""text":{"body":"hello"}"#),
            Self.message(
                "wamid.2",
                "interactive",
                #""interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Yes please"}}"#
            ),
        ])
        guard case .accept(let events, let ack) = try await WhatsAppAdapter().handle(Self.request(body)) else {
            Issue.record("expected accepted events")
            return
        }
        #expect(ack.status == 202)
        #expect(
            events.map(\.sessionKey) == [
                "zain-kuwait:whatsapp:447700900123:447700900123", "zain-kuwait:whatsapp:447700900123:447700900123",
            ]
        )
        #expect(events.map(\.dedupe?.id) == ["wamid.1", "wamid.2"])
        #expect(events[0].input["text"] == "hello")
        #expect(events[1].input["buttons"] == [["id": "yes", "title": "Yes please", "payload": "yes"]])
        #expect(events[1].input["text"] == "Yes please")
        #expect(events[1].input["session"]?["scopes"] == ["buttons", "chat"])
        #expect(events[0].reply?.address == ["phone_number_id": "PNID", "to": "447700900123"])
        #expect(events[0].input["timestamp"] == "2024-11-11T09:00:00+00:00")

        guard case .respond(let statuses) = try await WhatsAppAdapter().handle(Self.request(Self.batch([], statuses: true))) else {
            Issue.record("statuses are acknowledged without a flow")
            return
        }
        #expect(statuses.status == 200)
    }

    static let messageTypes: [(String, String, String?, String?)] = [
        ("image", #""image":{"id":"m1","mime_type":"image/jpeg","caption":"cat"}"#, "image", nil),
        ("document", #""document":{"id":"m2","filename":"r.pdf","mime_type":"application/pdf"}"#, "file", nil),
        ("location", #""location":{"latitude":1,"longitude":2,"name":"Office"}"#, nil, "Office"),
        ("location", #""location":{"latitude":1,"longitude":2}"#, nil, "location"),
        ("interactive", #""interactive":{"type":"list_reply","list_reply":{"id":"opt-2","title":"Two"}}"#, nil, "Two"),
        ("button", #""button":{"text":"Stop","payload":"STOP"}"#, nil, "Stop"),
    ]

    @Test(arguments: messageTypes)
    func mapsEachMessageType(_ type: String, _ content: String, _ attachment: String?, _ text: String?) async throws {
        guard case .accept(let events, _) = try await WhatsAppAdapter().handle(Self.request(Self.batch([Self.message("w", type, content)])))
        else {
            Issue.record("expected an event")
            return
        }
        let input = try #require(events.first?.input)
        #expect(input["attachments"]?.arrayValue?.first?["type"]?.stringValue == attachment)
        #expect(input["text"]?.stringValue == text)
        #expect(input["channel_data"] == ["type": .string(type)])
    }

    @Test func forgedOrMalformedCallbacksAreRefused() async throws {
        let body = Self.batch([Self.message("w", "text", #""text":{"body":"x"}"#)])
        for signature in ["", "sha256=", "sha1=abc", "sha256=00"] {
            let error = await #expect(throws: IngressError.self) {
                try await WhatsAppAdapter().handle(Self.request(body, signature: signature))
            }
            #expect(error?.code == .unauthorized)
        }
        for bad in ["{}", #"{"entry":[{"changes":[{"value":{"messages":[{"id":"x"}]}}]}]}"#, "not json"] {
            let error = await #expect(throws: IngressError.self) { try await WhatsAppAdapter().handle(Self.request(bad)) }
            #expect(error?.code == .badRequest, "\(bad)")
        }
    }

    @Test func repliesBecomeCloudAPIMessages() throws {
        let to = WhatsAppAddress(phoneNumberID: "PNID", to: "447700900123")
        #expect(
            JSONValue.object(try WhatsAppChannel.messageBody(.text("hi"), to: to))
                == [
                    "messaging_product": "whatsapp", "recipient_type": "individual", "to": "447700900123", "type": "text",
                    "text": ["body": "hi", "preview_url": false],
                ]
        )
        let three = JSONValue.object(
            try WhatsAppChannel.messageBody(
                OutboundMessage(
                    text: "Pick",
                    buttons: [
                        .init(id: "a", title: "An option with a very long title", payload: "pa"), .init(id: "b", title: "B", payload: "pb"),
                        .init(id: "docs", title: "Docs", payload: "docs", url: "https://docs"),
                    ]
                ),
                to: to
            )
        )
        #expect(three["interactive"]?["type"] == "button")
        #expect(three["interactive"]?["body"] == ["text": "Pick\nDocs: https://docs"])
        #expect(
            three["interactive"]?["action"]?["buttons"]
                == [
                    ["type": "reply", "reply": ["id": "pa", "title": "An option with a ve…"]],
                    ["type": "reply", "reply": ["id": "pb", "title": "B"]],
                ]
        )
        let list = JSONValue.object(
            try WhatsAppChannel.messageBody(
                OutboundMessage(buttons: (1...5).map { .init(id: "\($0)", title: "\($0)", payload: "\($0)") }),
                to: to
            )
        )
        #expect(list["interactive"]?["type"] == "list")
        #expect(list["interactive"]?["action"]?["sections"]?.arrayValue?.first?["rows"]?.arrayValue?.count == 5)
        #expect(throws: DeliveryError.self) {
            try WhatsAppChannel.messageBody(
                OutboundMessage(buttons: (1...11).map { .init(id: "\($0)", title: "\($0)", payload: "\($0)") }),
                to: to
            )
        }
        let document = JSONValue.object(
            try WhatsAppChannel.messageBody(
                OutboundMessage(attachments: [.init(type: "file", url: "https://f/r.pdf", name: "r.pdf")]),
                to: to
            )
        )
        #expect(document["type"] == "document")
        #expect(document["document"] == ["link": "https://f/r.pdf", "filename": "r.pdf"])
    }
}
