import Foundation
import RunnerCore
import RunnerHost
import RunnerTestSupport
import Synchronization
import Testing

/// Teams and WebChat through the real server: JWT-verified activities in, replies to a loopback
/// Bot Framework connector with a client-credentials token, or inline for WebChat.
@Suite("Teams and WebChat end to end")
struct BotFrameworkEndToEndTests {
    static let appID = "app-123"

    static let chat = """
        id: chat
        type: messaging
        start: ask
        nodes:
          ask: {emit.reply: {text: "Name?", buttons: [Ada]}, routing: [{to: wait}]}
          wait: {session.wait: {reason: name}, routing: [{to: greet}]}
          greet: {qa.process: "Hi {{{input.text}}}"}
        """

    static func activity(_ id: String, text: String, serviceURL: String?, channel: String = "msteams") -> String {
        let service = serviceURL.map { #""serviceUrl":"\#($0)","# } ?? ""
        return #"""
            {"type":"message","id":"\#(id)",\#(service)"channelId":"\#(channel)","from":{"id":"user-1","name":"Ada"},
             "conversation":{"id":"a:conv1"},"recipient":{"id":"28:bot","name":"Bot"},"text":"\#(text)"}
            """#
    }

    /// A loopback Bot Framework: OpenID metadata, keys, token endpoint and connector.
    static func botFramework(_ issuer: BotFrameworkTestIssuer) -> FakeProviderAPI {
        FakeProviderAPI { call in
            switch call.path {
            case "/openid":
                return .json(200, ["jwks_uri": .string("http://\(call.header("host") ?? "")/keys")])
            case "/keys":
                return .json(200, BotFrameworkTestIssuer.jwks([issuer]))
            case "/token":
                return .json(200, ["token_type": "Bearer", "expires_in": 3600, "access_token": "access-1"])
            default:
                return .json(201, ["id": "reply-1"])
            }
        }
    }

    @Test func aTeamsConversationIsAnsweredThroughTheConnector() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [Self.chat]))
        let issuer = try await BotFrameworkTestIssuer(kid: "k1", endorsements: ["msteams"])
        let api = Self.botFramework(issuer)
        try await api.run { baseURL in
            var configuration = deployment.configuration(bindings: [
                try deployment.bindings("tenant: demo\nflow_type_bindings:\n  messaging: {adapter: teams}\n")
            ])
            configuration.channels.botFrameworkOpenIDMetadataURL = "\(baseURL)/openid"
            configuration.channels.botFrameworkTokenURL = "\(baseURL)/token"
            let environment = ["MICROSOFT_APP_ID": Self.appID, "MICROSOFT_APP_PASSWORD": "s3cr3t&="]
            let serviceURL = "\(baseURL)/"
            try await withLiveHost(configuration, environment: environment) { client async throws in
                let first = Self.activity("act-1", text: "hello", serviceURL: serviceURL)
                let unsigned = try await client.post("/teams/activities", first)
                #expect(unsigned.status == 401)
                #expect(unsigned.text == #"{"error":"missing Authorization: Bearer token"}"#)
                let token = try await issuer.token(appID: Self.appID, serviceURL: serviceURL)
                let accepted = try await client.post("/teams/activities", first, headers: [("Authorization", "Bearer \(token)")])
                #expect(accepted.status == 202)
                #expect(try await eventually { api.calls(to: "/activities/act-1").count == 1 })
                let reply = try #require(api.calls(to: "/activities/act-1").first)
                #expect(reply.path == "/v3/conversations/a%3Aconv1/activities/act-1")
                #expect(reply.header("authorization") == "Bearer access-1")
                #expect(reply.json["text"] == "Name?")
                #expect(reply.json["replyToId"] == "act-1")
                #expect(reply.json["from"] == ["id": "28:bot", "name": "Bot"])
                #expect(reply.json["recipient"] == ["id": "user-1", "name": "Ada"])
                let grant = try #require(api.calls(to: "/token").first)
                #expect(
                    FormEncodingCheck.fields(grant.body) == [
                        "grant_type": "client_credentials", "client_id": Self.appID, "client_secret": "s3cr3t&=",
                        "scope": "https://api.botframework.com/.default",
                    ]
                )

                let second = Self.activity("act-2", text: "Ada", serviceURL: serviceURL)
                #expect(try await client.post("/teams/activities", second, headers: [("Authorization", "Bearer \(token)")]).status == 202)
                #expect(try await eventually { api.calls(to: "/activities/act-2").count == 1 })
                #expect(api.calls(to: "/activities/act-2").first?.json["text"] == "Hi Ada")
                #expect(api.calls(to: "/token").count == 1, "the token is cached")

                // A token whose serviceurl is not the activity's must not make the runner post elsewhere.
                let hijack = Self.activity("act-3", text: "x", serviceURL: "http://127.0.0.1:1/")
                #expect(try await client.post("/teams/activities", hijack, headers: [("Authorization", "Bearer \(token)")]).status == 401)
            }
        }
    }

    @Test func webchatAnswersInlineAndPausesPerConversation() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [Self.chat]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration, environment: ["WEBCHAT_TOKEN": "wc"]) { client async throws in
            let auth = [("Authorization", "Bearer wc"), ("content-type", "application/json")]
            let first = try await client.post(
                "/webchat/activities",
                Self.activity("w1", text: "hi", serviceURL: nil, channel: "webchat"),
                headers: auth
            )
            #expect(first.status == 200)
            #expect(try JSONValue(parsing: first.body)["activities"]?.arrayValue?.first?["text"] == "Name?")
            let again = try await client.post(
                "/webchat/activities",
                Self.activity("w1", text: "hi", serviceURL: nil, channel: "webchat"),
                headers: auth
            )
            #expect(again.text == first.text, "a retry with the same id gets the same answer")
            let second = try await client.post(
                "/webchat/activities",
                Self.activity("w2", text: "Ada", serviceURL: nil, channel: "webchat"),
                headers: auth
            )
            #expect(try JSONValue(parsing: second.body) == ["activities": [["type": "message", "text": "Hi Ada"]]])
            #expect(
                try await client.post("/webchat/activities", Self.activity("w3", text: "x", serviceURL: nil), headers: []).status == 401
            )
        }
    }
}

/// Form fields for assertions.
enum FormEncodingCheck {
    static func fields(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
