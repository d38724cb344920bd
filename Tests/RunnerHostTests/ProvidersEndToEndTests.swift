import Crypto
import Foundation
import RunnerChannels
import RunnerCore
import RunnerHost
import RunnerTestSupport
import Testing

/// Every provider through one real server and one loopback API standing in for all of them:
/// the same event delivered ten times at once runs once and is answered once.
@Suite("Every provider end to end")
struct ProvidersEndToEndTests {
    static let echo = """
        id: chat
        type: messaging
        nodes:
          reply: {qa.process: "echo {{{input.text}}}"}
        """

    /// The provider APIs: Telegram, Slack, the Bot Framework, Webex and WhatsApp, by path prefix.
    static func providers(_ issuer: BotFrameworkTestIssuer) -> FakeProviderAPI {
        FakeProviderAPI { call in
            switch call.path {
            case "/bf/openid": return .json(200, ["jwks_uri": .string("http://\(call.header("host") ?? "")/bf/keys")])
            case "/bf/keys": return .json(200, BotFrameworkTestIssuer.jwks([issuer]))
            case "/bf/token": return .json(200, ["access_token": "bf-token", "expires_in": 3600])
            case "/webex/v1/people/me": return .json(200, ["id": "bot-person"])
            case let path where path.hasPrefix("/webex/v1/messages/"):
                return .json(
                    200,
                    ["id": .string(String(path.dropFirst("/webex/v1/messages/".count))), "text": "from webex", "personId": "p1"]
                )
            case let path where path.hasPrefix("/telegram/"): return .json(200, ["ok": true, "result": ["message_id": 1]])
            default: return .json(200, ["ok": true, "id": "x", "messages": [["id": "wamid.out"]]])
            }
        }
    }

    /// A request of one provider, as that provider signs it.
    struct Delivery: Sendable {
        var provider: String
        var path: String
        var body: String
        var headers: [(String, String)]
        /// The path suffix of the reply call and the reply's text as the provider API receives it.
        var replyPath: String
        var replyText: @Sendable (FakeProviderAPI.Call) -> String?
    }

    static func deliveries(baseURL: String, issuer: BotFrameworkTestIssuer) async throws -> [Delivery] {
        let ts = String(Int(Date().timeIntervalSince1970))
        let slack =
            #"{"type":"event_callback","team_id":"T1","event_id":"Ev-race","event":{"type":"message","channel":"C1","user":"U1","text":"slack","ts":"\#(ts).000001"}}"#
        let teams = #"""
            {"type":"message","id":"act-race","serviceUrl":"\#(baseURL)/bf/","channelId":"msteams","from":{"id":"u1"},"conversation":{"id":"c1"},"recipient":{"id":"bot"},"text":"teams"}
            """#
        let webchat = #"""
            {"type":"message","id":"wc-race","serviceUrl":"\#(baseURL)/bf/","channelId":"webchat","from":{"id":"u2"},"conversation":{"id":"c2"},"recipient":{"id":"bot"},"text":"webchat"}
            """#
        let webex = #"{"resource":"messages","event":"created","data":{"id":"wx-race","roomId":"room-1","personId":"p1"}}"#
        let whatsapp = #"""
            {"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"PNID"},
             "messages":[{"from":"4477","id":"wamid.race","timestamp":"1731315600","type":"text","text":{"body":"whatsapp"}}]}}]}]}
            """#
        let telegram = #"{"update_id":4242,"message":{"text":"telegram","chat":{"id":77},"from":{"id":78}}}"#
        func hmac<H: HashFunction>(_ hash: H.Type, _ body: String, _ key: String) -> String {
            Hex.encode(Array(HMAC<H>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(key.utf8)))))
        }
        let token = try await issuer.token(appID: "app", serviceURL: "\(baseURL)/bf/")
        return [
            Delivery(
                provider: "slack",
                path: "/slack/events",
                body: slack,
                headers: [
                    ("X-Slack-Request-Timestamp", ts),
                    ("X-Slack-Signature", SlackSignature.signature(secret: "slack-secret", timestamp: ts, body: Array(slack.utf8))),
                ],
                replyPath: "/chat.postMessage",
                replyText: { $0.json["text"]?.stringValue }
            ),
            Delivery(
                provider: "teams",
                path: "/teams/activities",
                body: teams,
                headers: [("Authorization", "Bearer \(token)")],
                replyPath: "/activities/act-race",
                replyText: { $0.json["text"]?.stringValue }
            ),
            Delivery(
                provider: "webchat",
                path: "/webchat/activities",
                body: webchat,
                // Through the Bot Framework's Web Chat channel: its JWT, not the page's token.
                headers: [("Authorization", "Bearer \(token)")],
                replyPath: "/activities/wc-race",
                replyText: { $0.json["text"]?.stringValue }
            ),
            Delivery(
                provider: "webex",
                path: "/webex/webhook",
                body: webex,
                headers: [("X-Spark-Signature", hmac(Insecure.SHA1.self, webex, "webex-secret"))],
                replyPath: "/webex/v1/messages",
                replyText: { $0.method == "POST" ? $0.json["text"]?.stringValue : nil }
            ),
            Delivery(
                provider: "whatsapp",
                path: "/whatsapp/webhook",
                body: whatsapp,
                headers: [("X-Hub-Signature-256", "sha256=" + hmac(SHA256.self, whatsapp, "wa-secret"))],
                replyPath: "/PNID/messages",
                replyText: { $0.json["text"]?["body"]?.stringValue }
            ),
            Delivery(
                provider: "telegram",
                path: "/messaging/telegram/webhook",
                body: telegram,
                headers: [("X-Telegram-Bot-Api-Secret-Token", "tg-secret")],
                replyPath: "/sendMessage",
                replyText: { $0.json["text"]?.stringValue }
            ),
        ]
    }

    @Test func theSameEventTenTimesAtOnceRunsOnceAndIsAnsweredOnceOnEveryProvider() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [Self.echo]))
        let issuer = try await BotFrameworkTestIssuer(kid: "k")
        let api = Self.providers(issuer)
        try await api.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels = .init(
                telegramAPIBaseURL: "\(baseURL)/telegram",
                slackAPIBaseURL: "\(baseURL)/slack/api",
                botFrameworkOpenIDMetadataURL: "\(baseURL)/bf/openid",
                botFrameworkTokenURL: "\(baseURL)/bf/token",
                webexAPIBaseURL: "\(baseURL)/webex/v1",
                whatsAppAPIBaseURL: "\(baseURL)/wa"
            )
            let environment = [
                "SLACK_SIGNING_SECRET": "slack-secret", "SLACK_BOT_TOKEN": "xoxb", "MICROSOFT_APP_ID": "app",
                "MICROSOFT_APP_PASSWORD": "pw",
                "WEBCHAT_TOKEN": "wc-token", "WEBEX_WEBHOOK_SECRET": "webex-secret", "WEBEX_BOT_TOKEN": "wx",
                "WHATSAPP_APP_SECRET": "wa-secret",
                "WHATSAPP_ACCESS_TOKEN": "wa", "WHATSAPP_VERIFY_TOKEN": "v", "TELEGRAM_WEBHOOK_SECRET": "tg-secret",
                "TELEGRAM_BOT_TOKEN": "tg",
            ]
            let deliveries = try await Self.deliveries(baseURL: baseURL, issuer: issuer)
            try await withLiveHost(configuration, environment: environment) { client async throws in
                for delivery in deliveries {
                    let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                        for _ in 0..<10 {
                            group.addTask {
                                try await client.post(
                                    delivery.path,
                                    delivery.body,
                                    headers: delivery.headers + [("content-type", "application/json")]
                                ).status
                            }
                        }
                        return try await group.reduce(into: [Int]()) { $0.append($1) }
                    }
                    #expect(statuses.allSatisfy { (200..<300).contains($0) }, "\(delivery.provider): \(statuses)")
                }
                for delivery in deliveries {
                    let replies: @Sendable () -> [String] = { api.calls(to: delivery.replyPath).compactMap(delivery.replyText) }
                    #expect(try await eventually { replies().count == 1 }, "\(delivery.provider) answered")
                }
                #expect(try await client.settled())
                for delivery in deliveries {
                    let replies = api.calls(to: delivery.replyPath).compactMap(delivery.replyText)
                    let expected = delivery.provider == "webex" ? "echo from webex" : "echo \(delivery.provider)"
                    #expect(replies == [expected], "\(delivery.provider): one run, one reply")
                }
                #expect(api.calls(to: "/webex/v1/messages/wx-race").count == 1, "Webex's message was fetched once")
            }
        }
    }
}
