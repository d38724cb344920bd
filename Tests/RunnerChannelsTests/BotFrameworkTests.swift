import AsyncHTTPClient
import Foundation
import RunnerCore
import RunnerIngress
import RunnerTestSupport
import Synchronization
import Testing

@testable import RunnerChannels

@Suite("Bot Framework: Teams and WebChat")
struct BotFrameworkTests {
    static let appID = "11111111-2222-3333-4444-555555555555"
    static let serviceURL = "https://smba.trafficmanager.net/teams/"

    /// A loopback OpenID metadata document and key set serving `issuers`' keys (changeable).
    final class KeyServer: Sendable {
        final class Issuers: Sendable {
            let list: Mutex<[BotFrameworkTestIssuer]>
            init(_ issuers: [BotFrameworkTestIssuer]) { list = Mutex(issuers) }
        }

        let issuers: Issuers
        let api: FakeProviderAPI

        init(_ issuers: [BotFrameworkTestIssuer]) {
            let published = Issuers(issuers)
            self.issuers = published
            self.api = FakeProviderAPI { call in
                if call.path == "/openid" {
                    let host = call.header("host") ?? "127.0.0.1"
                    return .json(200, ["issuer": "https://api.botframework.com", "jwks_uri": .string("http://\(host)/keys")])
                }
                return .json(200, BotFrameworkTestIssuer.jwks(published.list.withLock { $0 }))
            }
        }
    }

    static func keys(_ server: KeyServer, baseURL: String) -> BotFrameworkKeys {
        BotFrameworkKeys(client: ProviderHTTPClient(http: HTTPClient.shared), metadataURL: "\(baseURL)/openid")
    }

    @Test func onlyAValidTokenForThisAppAndChannelIsAccepted() async throws {
        let issuer = try await BotFrameworkTestIssuer(kid: "key-1", endorsements: ["msteams"])
        let stranger = try await BotFrameworkTestIssuer(kid: "key-1")
        let server = KeyServer([issuer])
        try await server.api.run { baseURL in
            let keys = Self.keys(server, baseURL: baseURL)
            func verify(_ token: String?, channel: String? = "msteams", serviceURL: String? = Self.serviceURL) async -> String? {
                do {
                    _ = try await keys.verify(
                        authorization: token.map { "Bearer \($0)" },
                        appID: Self.appID,
                        channelID: channel,
                        serviceURL: serviceURL
                    )
                    return nil
                } catch {
                    return error.code == .unauthorized ? error.message : "not a 401: \(error)"
                }
            }
            #expect(await verify(try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL)) == nil)
            #expect(
                await verify(try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL.uppercased())) == nil,
                "service URLs compare without regard to case, as in Microsoft's SDK"
            )
            let now = Date()
            let refusals: [(String?, String?, String)] = [
                (nil, "msteams", "missing Authorization: Bearer token"),
                ("not-a-jwt", "msteams", "the bearer token is not a JWT"),
                (
                    BotFrameworkTestIssuer.unsignedToken(appID: Self.appID, serviceURL: Self.serviceURL), "msteams",
                    "the token must be signed with RS256"
                ),
                (try await issuer.token(appID: "another-app", serviceURL: Self.serviceURL), "msteams", "the token is not for this app"),
                (
                    try await issuer.token(appID: Self.appID, issuer: "https://evil.example", serviceURL: Self.serviceURL), "msteams",
                    "the token's issuer is not https://api.botframework.com"
                ),
                (
                    try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL, expires: now.addingTimeInterval(-301)),
                    "msteams",
                    "the token has expired"
                ),
                (
                    try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL, notBefore: now.addingTimeInterval(301)),
                    "msteams",
                    "the token is not valid yet"
                ),
                (
                    try await stranger.token(appID: Self.appID, serviceURL: Self.serviceURL), "msteams",
                    "the token's signature does not verify"
                ),
                (
                    try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL), "webchat",
                    "the signing key is not endorsed for channel webchat"
                ),
                (
                    try await issuer.token(appID: Self.appID, serviceURL: "https://attacker.example/"), "msteams",
                    "the activity's serviceUrl is not the token's"
                ),
                (
                    try await issuer.token(appID: Self.appID, serviceURL: "https://smba.trafficmanager.net/teams"), "msteams",
                    "the activity's serviceUrl is not the token's"
                ),
                (try await issuer.token(appID: Self.appID, serviceURL: nil), "msteams", "the token names no serviceurl"),
                (try await issuer.token(appID: Self.appID, serviceURL: " "), "msteams", "the token names no serviceurl"),
            ]
            for (token, channel, message) in refusals {
                #expect(await verify(token, channel: channel) == message)
            }
            #expect(
                await verify(try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL, expires: now.addingTimeInterval(-200)))
                    == nil,
                "five minutes of skew"
            )
        }
    }

    @Test func anUnknownKeyIDRefetchesTheKeySetButNotOnEveryRequest() async throws {
        let first = try await BotFrameworkTestIssuer(kid: "key-1")
        let rotated = try await BotFrameworkTestIssuer(kid: "key-2")
        let server = KeyServer([first])
        try await server.api.run { baseURL in
            let keys = Self.keys(server, baseURL: baseURL)
            let token = try await first.token(appID: Self.appID, serviceURL: Self.serviceURL)
            _ = try await keys.verify(
                authorization: "Bearer \(token)",
                appID: Self.appID,
                channelID: "msteams",
                serviceURL: Self.serviceURL
            )
            #expect(server.api.calls(to: "/keys").count == 1)
            _ = try await keys.verify(
                authorization: "Bearer \(token)",
                appID: Self.appID,
                channelID: "msteams",
                serviceURL: Self.serviceURL
            )
            #expect(server.api.calls(to: "/keys").count == 1, "cached")

            // Microsoft rotates its keys: a token with the new key id makes the runner look again, once.
            let unknown = try await rotated.token(appID: Self.appID, serviceURL: Self.serviceURL)
            await #expect(throws: IngressError.self) {
                try await keys.verify(
                    authorization: "Bearer \(unknown)",
                    appID: Self.appID,
                    channelID: "msteams",
                    serviceURL: Self.serviceURL
                )
            }
            #expect(server.api.calls(to: "/keys").count == 1, "fetched at start less than a minute ago: not again")
        }
        let server2 = KeyServer([first])
        try await server2.api.run { baseURL in
            let clock = ManualClock(Date())
            let keys = BotFrameworkKeys(
                client: ProviderHTTPClient(http: HTTPClient.shared),
                metadataURL: "\(baseURL)/openid",
                now: clock.reader
            )
            let token = try await first.token(appID: Self.appID, serviceURL: Self.serviceURL)
            _ = try await keys.verify(
                authorization: "Bearer \(token)",
                appID: Self.appID,
                channelID: "msteams",
                serviceURL: Self.serviceURL
            )
            server2.issuers.list.withLock { $0 = [first, rotated] }
            clock.advance(by: 61)
            let fresh = try await rotated.token(appID: Self.appID, serviceURL: Self.serviceURL)
            _ = try await keys.verify(
                authorization: "Bearer \(fresh)",
                appID: Self.appID,
                channelID: "msteams",
                serviceURL: Self.serviceURL
            )
            #expect(server2.api.calls(to: "/keys").count == 2, "the rotated key was fetched on demand")
        }
    }

    @Test func keysThatCannotBeFetchedAre503NotASilentAccept() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = http.shutdown() }
        let keys = BotFrameworkKeys(client: ProviderHTTPClient(http: http), metadataURL: "http://127.0.0.1:1/openid")
        let issuer = try await BotFrameworkTestIssuer(kid: "k")
        let token = try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL)
        let error = await #expect(throws: IngressError.self) {
            try await keys.verify(authorization: "Bearer \(token)", appID: Self.appID, channelID: "msteams", serviceURL: Self.serviceURL)
        }
        #expect(error?.code == .unavailable)
    }

    @Test func anUnreachableKeyServiceIsAskedOnceForManyRequestsAndThenEvery10Seconds() async throws {
        let api = FakeProviderAPI { _ in .json(503, ["error": "down"]) }
        let issuer = try await BotFrameworkTestIssuer(kid: "k")
        let token = try await issuer.token(appID: Self.appID, serviceURL: Self.serviceURL)
        try await api.run { baseURL in
            let clock = ManualClock()
            let keys = BotFrameworkKeys(
                client: ProviderHTTPClient(http: HTTPClient.shared),
                metadataURL: "\(baseURL)/openid",
                now: clock.reader
            )
            @Sendable func burst() async -> [IngressError.Code?] {
                await withTaskGroup(of: IngressError.Code?.self) { group in
                    for _ in 0..<20 {
                        group.addTask {
                            do throws(IngressError) {
                                _ = try await keys.verify(
                                    authorization: "Bearer \(token)",
                                    appID: Self.appID,
                                    channelID: "msteams",
                                    serviceURL: Self.serviceURL
                                )
                                return nil
                            } catch {
                                return error.code
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(await burst() == Array(repeating: .unavailable, count: 20))
            #expect(api.calls(to: "/openid").count == 1, "twenty requests share one fetch")
            clock.advance(by: 9)
            #expect(await burst() == Array(repeating: .unavailable, count: 20))
            #expect(api.calls(to: "/openid").count == 1, "not again within 10 s")
            clock.advance(by: 2)
            _ = await burst()
            #expect(api.calls(to: "/openid").count == 2)
        }
    }

    static let teamsMessage = #"""
        {"type":"message","id":"1731315600123","timestamp":"2025-11-11T09:00:00.123Z","serviceUrl":"https://smba.trafficmanager.net/teams/",
         "channelId":"msteams","from":{"id":"user-123","name":"Ada","aadObjectId":"aad-1"},
         "conversation":{"id":"19:abc@thread.tacv2;messageid=1731315600000","conversationType":"channel","tenantId":"tid"},
         "recipient":{"id":"28:bot-id","name":"Greentic"},"replyToId":"thread-xyz","text":"hello","locale":"en-US",
         "attachments":[{"contentType":"image/png","contentUrl":"https://teams.example/cat.png","name":"cat.png"}],
         "channelData":{"team":{"id":"team-1"},"tenant":{"id":"tid"},"channel":{"id":"chan-1"}}}
        """#

    @Test func mapsATeamsMessageLikeTheOriginal() throws {
        let message = try TeamsAdapter.canonicalMessage(
            tenant: "acme",
            activity: try JSONValue(parsing: Self.teamsMessage),
            now: Date(timeIntervalSince1970: 0)
        )
        #expect(message.sessionKey == "acme:teams:thread-xyz:user-123")
        let json = message.json
        #expect(
            json["provider_ids"]
                == [
                    "team_id": "team-1", "conversation_id": "19:abc@thread.tacv2;messageid=1731315600000", "thread_id": "thread-xyz",
                    "channel_id": "chan-1", "user_id": "user-123", "message_id": "1731315600123", "event_id": "thread-xyz",
                ]
        )
        #expect(json["session"]?["scopes"] == ["attachments", "chat"])
        #expect(json["timestamp"] == "2025-11-11T09:00:00.123+00:00")
        #expect(json["locale"] == "en-US")
        #expect(json["attachments"]?.arrayValue?.first?["type"] == "image")
        #expect(json["channel_data"]?["service_url"] == "https://smba.trafficmanager.net/teams/")
        #expect(json["channel_data"]?["channel_data"]?["team"]?["id"] == "team-1")
        let address = try #require(BotFrameworkActivity.address(of: try JSONValue(parsing: Self.teamsMessage)))
        #expect(address.activityID == "1731315600123")
        #expect(address.bot?.id == "28:bot-id")
        #expect(address.conversation == "19:abc@thread.tacv2;messageid=1731315600000")
    }

    static let webchatMessage = #"""
        {"type":"message","id":"act-1","from":{"id":"user-123","name":"Ada"},"conversation":{"id":"conv-abc"},"text":"hi",
         "attachments":[{"contentType":"image/png","contentUrl":"https://x/a.png"},{"contentType":"application/json","content":"e30="}],
         "channelData":{"clientActivityID":"c1"}}
        """#

    static func webchatRequest(_ body: String, token: String? = "Bearer wc-secret") -> IngressRequest {
        IngressRequest(
            method: "POST",
            path: "/webchat/activities",
            headers: token.map { [(name: "Authorization", value: $0)] } ?? [],
            body: Array(body.utf8),
            tenant: "demo",
            credentials: ChannelCredentials(["WEBCHAT_TOKEN": "wc-secret"]),
            receivedAt: Date(timeIntervalSince1970: 1_762_851_600)
        )
    }

    @Test func webchatWithThePageTokenRepliesInlineWhateverServiceURLItNames() async throws {
        let adapter = WebChatAdapter()
        guard case .run(let inline) = try await adapter.handle(Self.webchatRequest(Self.webchatMessage)) else {
            Issue.record("with the page token the flow runs in the request")
            return
        }
        #expect(inline.sessionKey == "demo:webchat:conv-abc:user-123")
        #expect(inline.input["session"]?["scopes"] == ["attachments", "chat"])
        #expect(inline.input["attachments"]?.arrayValue?.map { $0["type"] } == ["image", "card"])
        #expect(inline.input["channel_data"] == ["type": "message", "channel_data": ["clientActivityID": "c1"]])
        #expect(inline.dedupe == DedupeID(namespace: "webchat", id: "act-1"))
        #expect(inline.reply == nil)

        let answer = adapter.response(for: .ran(output: ["hello", ["text": "pick", "buttons": ["A"]]]))
        #expect(answer.status == 200)
        #expect(
            try JSONValue(parsing: answer.body)
                == [
                    "activities": [
                        ["type": "message", "text": "hello"],
                        [
                            "type": "message", "text": "pick",
                            "attachments": [
                                [
                                    "contentType": "application/vnd.microsoft.card.hero",
                                    "content": ["buttons": [["type": "imBack", "title": "A", "value": "A"]]],
                                ]
                            ],
                        ],
                    ]
                ]
        )
        #expect(adapter.response(for: .flowFailed("node x exploded")).body == Array(#"{"error":"the flow failed"}"#.utf8))

        // The page's token is public: a serviceUrl it sends never directs where the bot's
        // Bot Framework credentials go; the replies stay inline.
        let withConnector = Self.webchatMessage.replacingOccurrences(
            of: #""type":"message","#,
            with: #""type":"message","channelId":"webchat","serviceUrl":"https://evil.example/","#
        )
        guard case .run(let ignored) = try await adapter.handle(Self.webchatRequest(withConnector)) else {
            Issue.record("a serviceUrl with the page token is ignored")
            return
        }
        #expect(ignored.reply == nil)
    }

    @Test func webchatThroughTheBotFrameworkNeedsItsJWT() async throws {
        let issuer = try await BotFrameworkTestIssuer(kid: "key-1", endorsements: ["webchat"])
        let server = KeyServer([issuer])
        try await server.api.run { baseURL in
            let adapter = WebChatAdapter(keys: Self.keys(server, baseURL: baseURL))
            let serviceURL = "https://webchat.botframework.com/"
            let activity = Self.webchatMessage.replacingOccurrences(
                of: #""type":"message","#,
                with: #""type":"message","channelId":"webchat","serviceUrl":"\#(serviceURL)","#
            )
            func request(_ token: String) -> IngressRequest {
                var request = Self.webchatRequest(activity, token: "Bearer \(token)")
                request.credentials = ChannelCredentials(["WEBCHAT_TOKEN": "wc-secret", "MICROSOFT_APP_ID": Self.appID])
                return request
            }
            guard
                case .accept(let events, let ack) = try await adapter.handle(
                    request(try await issuer.token(appID: Self.appID, serviceURL: serviceURL))
                ),
                let event = events.first
            else {
                Issue.record("a verified Bot Framework activity is accepted")
                return
            }
            #expect(ack.status == 202)
            #expect(event.reply?.address["service_url"] == .string(serviceURL))

            let elsewhere = try await issuer.token(appID: Self.appID, serviceURL: "https://evil.example/")
            for token in [elsewhere, try await issuer.token(appID: "another-app", serviceURL: serviceURL), "a.b.c"] {
                let error = await #expect(throws: IngressError.self) { try await adapter.handle(request(token)) }
                #expect(error?.code == .unauthorized)
            }
        }

        // A Teams activity and its valid token, replayed here (with a key that lists no
        // endorsements, so only the route's own channel check stands in the way).
        let unendorsed = try await BotFrameworkTestIssuer(kid: "key-2")
        let teamsServer = KeyServer([unendorsed])
        try await teamsServer.api.run { baseURL in
            let adapter = WebChatAdapter(keys: Self.keys(teamsServer, baseURL: baseURL))
            let teams = Self.webchatMessage.replacingOccurrences(
                of: #""type":"message","#,
                with: #""type":"message","channelId":"msteams","serviceUrl":"\#(Self.serviceURL)","#
            )
            var replayed = Self.webchatRequest(
                teams,
                token: "Bearer \(try await unendorsed.token(appID: Self.appID, serviceURL: Self.serviceURL))"
            )
            replayed.credentials = ChannelCredentials(["WEBCHAT_TOKEN": "wc-secret", "MICROSOFT_APP_ID": Self.appID])
            let error = await #expect(throws: IngressError.self) { try await adapter.handle(replayed) }
            #expect(error?.message.contains("webchat or directline") == true)
        }
    }

    @Test func webchatNeedsItsBearerToken() async throws {
        for token in [nil, "Bearer nope", "wc-secret", "Bearer wc-secre"] as [String?] {
            let error = await #expect(throws: IngressError.self) {
                try await WebChatAdapter().handle(Self.webchatRequest(Self.webchatMessage, token: token))
            }
            #expect(error?.code == .unauthorized)
        }
        var unconfigured = Self.webchatRequest(Self.webchatMessage)
        unconfigured.credentials = .none
        let error = await #expect(throws: IngressError.self) { try await WebChatAdapter().handle(unconfigured) }
        #expect(error?.message == "WEBCHAT_TOKEN is not configured for tenant demo")
    }

    @Test func theTokenAndThePostShareTheSendsTimeout() async throws {
        // The token takes 0.5 s of a 0.55 s send timeout: too little is left to post the reply.
        let api = FakeProviderAPI { call in
            call.path == "/token"
                ? FakeProviderAPI.Answer.json(200, ["access_token": "t", "expires_in": 3600]).delayed(by: .milliseconds(500))
                : FakeProviderAPI.Answer.json(200, ["id": "reply-1"])
        }
        try await api.run { baseURL in
            let client = ProviderHTTPClient(http: HTTPClient.shared)
            let sender = BotFrameworkSender(client: client, tokens: BotFrameworkTokens(client: client, tokenURL: "\(baseURL)/token"))
            let address = BotFrameworkAddress(serviceURL: baseURL, conversationID: "c1", activityID: "a1", bot: nil, user: nil)
            let context = DeliveryContext(
                tenant: "acme",
                credentials: ChannelCredentials(["MICROSOFT_APP_ID": Self.appID, "MICROSOFT_APP_PASSWORD": "pw"]),
                messageID: "m1",
                attempt: 1,
                timeout: .milliseconds(550)
            )
            let error = await #expect(throws: DeliveryError.self) {
                try await sender.send(OutboundMessage(text: "hi"), to: address, context: context, provider: "teams")
            }
            #expect(error?.code == .transient, "nothing was posted, so the retry is safe")
            #expect(api.calls(to: "/activities/a1").isEmpty, "no post with the time the token used up")
            // With time enough for both, the reply is posted once.
            var patient = context
            patient.timeout = .seconds(10)
            try await sender.send(OutboundMessage(text: "hi"), to: address, context: patient, provider: "teams")
            #expect(api.calls(to: "/activities/a1").count == 1)
        }
    }

    @Test func repliesAreActivitiesAnsweringTheIncomingOne() throws {
        let address = BotFrameworkAddress(
            serviceURL: "https://x/",
            conversationID: "a:conv1",
            activityID: "act-1",
            bot: .init(id: "28:bot", name: "Bot"),
            user: .init(id: "29:user")
        )
        let activity = BotFrameworkReply.activity(
            OutboundMessage(
                text: "**hi**",
                buttons: [.init(id: "d", title: "Docs", payload: "d", url: "https://docs")],
                attachments: [.init(type: "image", url: "https://i.png")],
                format: "markdown"
            ),
            address: address
        )
        #expect(
            activity
                == [
                    "type": "message", "text": "**hi**", "textFormat": "markdown", "conversation": ["id": "a:conv1"],
                    "from": ["id": "28:bot", "name": "Bot"], "recipient": ["id": "29:user"], "replyToId": "act-1",
                    "attachments": [
                        ["contentType": "image/*", "contentUrl": "https://i.png"],
                        [
                            "contentType": "application/vnd.microsoft.card.hero",
                            "content": ["buttons": [["type": "openUrl", "title": "Docs", "value": "https://docs"]]],
                        ],
                    ],
                ]
        )
    }
}
