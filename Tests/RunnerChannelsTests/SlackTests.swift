import Foundation
import RunnerCore
import RunnerIngress
import Testing

@testable import RunnerChannels

@Suite("Slack")
struct SlackTests {
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let now = Date(timeIntervalSince1970: 1_731_315_700)

    /// A request signed like Slack signs it.
    static func request(
        _ body: String,
        path: String = "/slack/events",
        contentType: String = "application/json",
        timestamp: Int64? = nil,
        signature: String? = nil,
        secret: String? = SlackTests.secret
    ) -> IngressRequest {
        let ts = String(timestamp ?? Int64(now.timeIntervalSince1970))
        let signed = signature ?? SlackSignature.signature(secret: Self.secret, timestamp: ts, body: Array(body.utf8))
        return IngressRequest(
            method: "POST",
            path: path,
            headers: [
                (name: "Content-Type", value: contentType), (name: "X-Slack-Request-Timestamp", value: ts),
                (name: "X-Slack-Signature", value: signed),
            ],
            body: Array(body.utf8),
            tenant: "demo",
            credentials: secret.map { ChannelCredentials(["SLACK_SIGNING_SECRET": $0]) } ?? .none,
            receivedAt: now
        )
    }

    @Test func theSignatureMatchesSlacksDocumentedExample() {
        let body =
            "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
            + "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com"
            + "%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
        #expect(
            SlackSignature.signature(secret: Self.secret, timestamp: "1531420618", body: Array(body.utf8))
                == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        )
    }

    @Test func unsignedStaleOrForgedRequestsAreRefused() async throws {
        let body = #"{"type":"url_verification","challenge":"c"}"#
        let adapter = SlackEventsAdapter()
        let now = Int64(Self.now.timeIntervalSince1970)
        let cases: [(IngressRequest, String)] = [
            (Self.request(body, secret: nil), "SLACK_SIGNING_SECRET is not configured for tenant demo"),
            (Self.request(body, timestamp: now - 301), "X-Slack-Request-Timestamp is more than five minutes away from now"),
            (Self.request(body, timestamp: now + 301), "X-Slack-Request-Timestamp is more than five minutes away from now"),
            (Self.request(body, timestamp: Int64.min), "X-Slack-Request-Timestamp is more than five minutes away from now"),
            (Self.request(body, signature: "v0=00"), "invalid X-Slack-Signature"),
            (Self.request(body, signature: ""), "invalid X-Slack-Signature"),
        ]
        for (request, message) in cases {
            let error = await #expect(throws: IngressError.self) { try await adapter.handle(request) }
            #expect(error?.code == .unauthorized)
            #expect(error?.message == message)
        }
        var tampered = Self.request(body)
        tampered.body[tampered.body.count - 2] = UInt8(ascii: "d")
        await #expect(throws: IngressError.self) { try await adapter.handle(tampered) }
        var unsigned = Self.request(body)
        unsigned.headers.removeAll { $0.name == "X-Slack-Signature" }
        await #expect(throws: IngressError.self) { try await adapter.handle(unsigned) }
        // Five minutes either way is still fresh.
        for skew in [-300, 300] as [Int64] {
            guard case .respond = try await adapter.handle(Self.request(body, timestamp: now + skew)) else {
                Issue.record("a request \(skew) s away must be accepted")
                continue
            }
        }
    }

    @Test func answersTheURLVerificationChallenge() async throws {
        let result = try await SlackEventsAdapter().handle(Self.request(#"{"type":"url_verification","challenge":"3eZbrw1aBm"}"#))
        guard case .respond(let response) = result else {
            Issue.record("expected the challenge")
            return
        }
        #expect(response.status == 200)
        #expect(response.body == Array(#"{"challenge":"3eZbrw1aBm"}"#.utf8))
        await #expect(throws: IngressError.self) { try await SlackEventsAdapter().handle(Self.request(#"{"type":"url_verification"}"#)) }
    }

    static let threadReply = #"""
        {"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1731315601,
         "event":{"type":"message","channel":"C123","user":"U456","text":"hello","ts":"1731315601.000200",
                  "thread_ts":"1731315600.000100","channel_type":"channel",
                  "files":[{"id":"F1","name":"cat.png","mimetype":"image/png","size":1234,"url_private":"https://files.slack.com/cat.png"}],
                  "blocks":[{"type":"actions","elements":[{"type":"button","action_id":"yes","text":{"type":"plain_text","text":"Yes"},"value":"y"},
                                                           {"type":"button","action_id":"no"}]}]}}
        """#

    @Test func mapsAThreadReplyLikeTheOriginal() async throws {
        let result = try await SlackEventsAdapter().handle(Self.request(Self.threadReply))
        guard case .accept(let events, let answer) = result, let event = events.first else {
            Issue.record("expected an accepted event")
            return
        }
        #expect(answer == IngressResponse(status: 200))
        #expect(event.sessionKey == "demo:slack:1731315600.000100:U456")
        #expect(event.dedupe == DedupeID(namespace: "slack", id: "Ev1"))
        #expect(
            event.reply
                == ReplyTarget(provider: "slack", conversation: "C123", address: ["channel": "C123", "thread_ts": "1731315600.000100"])
        )
        let input = event.input
        #expect(
            input["provider_ids"]
                == [
                    "workspace_id": "T1", "conversation_id": "1731315600.000100", "thread_id": "1731315600.000100",
                    "channel_id": "C123", "user_id": "U456", "message_id": "1731315601.000200", "event_id": "Ev1",
                ]
        )
        #expect(input["session"]?["scopes"] == ["attachments", "buttons", "chat"])
        #expect(input["timestamp"] == "2024-11-11T09:00:01+00:00")
        #expect(input["text"] == "hello")
        #expect(
            input["attachments"]
                == [
                    [
                        "type": "image", "name": "cat.png", "mime": "image/png", "size": 1234, "url": "https://files.slack.com/cat.png",
                        "data_inline_b64": nil,
                    ]
                ]
        )
        #expect(input["buttons"] == [["id": "yes", "title": "Yes", "payload": "y"], ["id": "no", "title": "Button", "payload": ""]])
        #expect(input["channel_data"] == ["type": "message", "subtype": nil])
        #expect(input["locale"] == .null)
        #expect(input["raw"]?["event_id"] == "Ev1")
    }

    @Test(arguments: [
        #"{"type":"event_callback","event_id":"E","event":{"type":"message","subtype":"bot_message","channel":"C","bot_id":"B1","text":"x"}}"#,
        #"{"type":"event_callback","event_id":"E","event":{"type":"message","channel":"C","user":"U","bot_id":"B1","text":"x"}}"#,
        #"{"type":"event_callback","event_id":"E","event":{"type":"message","subtype":"message_changed","channel":"C"}}"#,
        #"{"type":"event_callback","event_id":"E","event":{"type":"reaction_added","user":"U"}}"#,
        #"{"type":"app_rate_limited","minute_rate_limited":1}"#,
    ])
    func ignoresBotsEditsAndOtherEvents(_ body: String) async throws {
        guard case .respond(let response) = try await SlackEventsAdapter().handle(Self.request(body)) else {
            Issue.record("expected an immediate 200")
            return
        }
        #expect(response == IngressResponse(status: 200))
    }

    @Test(arguments: [
        #"not json"#, #"[1]"#, #"{"type":"event_callback"}"#,
        #"{"type":"event_callback","event":{"type":"message","channel":"C","text":"no user"}}"#,
        #"{"type":"event_callback","event":{"type":"app_mention","user":"U","text":"no channel"}}"#,
    ])
    func malformedEventsAre400(_ body: String) async {
        let error = await #expect(throws: IngressError.self) { try await SlackEventsAdapter().handle(Self.request(body)) }
        #expect(error?.code == .badRequest)
    }

    static let blockActions = #"""
        {"type":"block_actions","trigger_id":"13345224609.738474920.8088930838d88f008e0","team":{"id":"T1","domain":"acme"},
         "user":{"id":"U456","name":"ada"},"channel":{"id":"C123","name":"general"},
         "message":{"type":"message","text":"Pick one","ts":"1731315600.000100","thread_ts":"1731315500.000001"},
         "actions":[{"action_id":"yes","block_id":"b","text":{"type":"plain_text","text":"Yes"},"value":"y","type":"button",
                     "action_ts":"1731315650.123"}]}
        """#

    static func formBody(_ payload: String) -> String {
        "payload=" + FormEncoding.percentEncodePathSegment(payload)
    }

    @Test func mapsAButtonPressSignedOverTheRawForm() async throws {
        let request = Self.request(
            Self.formBody(Self.blockActions),
            path: "/slack/interactive",
            contentType: "application/x-www-form-urlencoded"
        )
        guard case .accept(let events, _) = try await SlackInteractiveAdapter().handle(request), let event = events.first else {
            Issue.record("expected an accepted event")
            return
        }
        #expect(event.sessionKey == "demo:slack:1731315500.000001:U456", "the press continues the thread's conversation")
        #expect(event.dedupe == DedupeID(namespace: "slack.interactive", id: "13345224609.738474920.8088930838d88f008e0"))
        #expect(event.reply?.address == ["channel": "C123", "thread_ts": "1731315500.000001"])
        #expect(event.input["buttons"] == [["id": "yes", "title": "Yes", "payload": "y"]])
        #expect(event.input["text"] == "Pick one")
        #expect(event.input["session"]?["scopes"] == ["buttons", "chat"])
        #expect(event.input["channel_data"] == ["type": "block_actions"])
        #expect(event.input["timestamp"] == "2024-11-11T09:00:50+00:00")
        #expect(
            event.input["provider_ids"]
                == [
                    "workspace_id": "T1", "conversation_id": "1731315500.000001", "thread_id": "1731315500.000001", "channel_id": "C123",
                    "user_id": "U456", "event_id": "13345224609.738474920.8088930838d88f008e0",
                ]
        )

        // A signature over the decoded payload (the original's bug) is refused.
        let decodedSignature = SlackSignature.signature(
            secret: Self.secret,
            timestamp: String(Int64(Self.now.timeIntervalSince1970)),
            body: Array("payload=\(Self.blockActions)".utf8)
        )
        let forged = Self.request(
            Self.formBody(Self.blockActions),
            path: "/slack/interactive",
            contentType: "application/x-www-form-urlencoded",
            signature: decodedSignature
        )
        await #expect(throws: IngressError.self) { try await SlackInteractiveAdapter().handle(forged) }
    }

    @Test func otherInteractionsAndBadFormsAreAnsweredWithoutAFlow() async throws {
        let submission = Self.request(
            Self.formBody(#"{"type":"view_submission","user":{"id":"U"}}"#),
            path: "/slack/interactive",
            contentType: "application/x-www-form-urlencoded"
        )
        guard case .respond(let response) = try await SlackInteractiveAdapter().handle(submission) else {
            Issue.record("expected a 200")
            return
        }
        #expect(response.status == 200)
        let cases: [(String, String, IngressError.Code)] = [
            ("payload=%7B", "application/x-www-form-urlencoded", .badRequest),
            ("nothing=1", "application/x-www-form-urlencoded", .badRequest),
            (Self.formBody(#"{"type":"block_actions"}"#), "application/x-www-form-urlencoded", .badRequest),
            (Self.formBody(Self.blockActions), "application/json", .unsupportedMediaType),
        ]
        for (body, type, code) in cases {
            let error = await #expect(throws: IngressError.self) {
                try await SlackInteractiveAdapter().handle(Self.request(body, path: "/slack/interactive", contentType: type))
            }
            #expect(error?.code == code, "\(body)")
        }
    }

    @Test func timestampsFarOutOfRangeAreClampedNotACrash() {
        for ts in ["9223372036854775807.000100", "-9223372036854775808.1"] {
            let event: JSONValue = ["type": "message", "channel": "C1", "user": "U1", "text": "hi", "ts": .string(ts)]
            let message = SlackEventsAdapter.canonicalMessage(
                tenant: "acme",
                body: ["type": "event_callback", "event": event],
                event: event,
                user: "U1",
                now: Date(timeIntervalSince1970: 0)
            )
            #expect(["9999-12-31T23:59:59+00:00", "0000-01-01T00:00:00+00:00"].contains(message.json["timestamp"]?.stringValue), "\(ts)")
        }
    }

    @Test func repliesBecomeChatPostMessageBodies() throws {
        let thread = SlackAddress(channel: "C1", threadTS: "1.2")
        let plain = try SlackChannel.postMessage(.text("hi"), to: thread)
        #expect(JSONValue.object(plain) == ["channel": "C1", "text": "hi", "thread_ts": "1.2"])

        let rich = OutboundMessage(
            text: "Pick",
            buttons: [.init(id: "a", title: "A", payload: "pa"), .init(id: "docs", title: "Docs", payload: "docs", url: "https://x")],
            attachments: [
                .init(type: "image", url: "https://i/cat.png", name: "cat"), .init(type: "file", url: "https://f/r.pdf", name: "r.pdf"),
            ]
        )
        let body = JSONValue.object(try SlackChannel.postMessage(rich, to: SlackAddress(channel: "C2")))
        #expect(body["text"] == "Pick\n<https://f/r.pdf|r.pdf>")
        #expect(
            body["blocks"]
                == [
                    ["type": "section", "text": ["type": "mrkdwn", "text": "Pick\n<https://f/r.pdf|r.pdf>"]],
                    ["type": "image", "image_url": "https://i/cat.png", "alt_text": "cat"],
                    [
                        "type": "actions",
                        "elements": [
                            ["type": "button", "text": ["type": "plain_text", "text": "A"], "action_id": "a", "value": "pa"],
                            ["type": "button", "text": ["type": "plain_text", "text": "Docs"], "action_id": "docs", "url": "https://x"],
                        ],
                    ],
                ]
        )
        #expect(body["thread_ts"] == nil)

        let many = OutboundMessage(buttons: (0..<30).map { .init(id: "b\($0)", title: "\($0)", payload: "\($0)") })
        let blocks = JSONValue.object(try SlackChannel.postMessage(many, to: SlackAddress(channel: "C"))).objectValue?["blocks"]?.arrayValue
        #expect(blocks?.map { $0["elements"]?.arrayValue?.count } == [25, 5], "at most 25 elements per actions block")
        #expect(throws: DeliveryError.self) { try SlackChannel.postMessage(.acknowledgement, to: thread) }
    }
}
