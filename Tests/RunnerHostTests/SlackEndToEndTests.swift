import Foundation
import Logging
import RunnerChannels
import RunnerCore
import RunnerHost
import RunnerTestSupport
import Synchronization
import Testing

/// Slack through the real server: signed events in, `chat.postMessage` out to a loopback Slack.
@Suite("Slack end to end")
struct SlackEndToEndTests {
    static let chat = """
        id: chat
        type: messaging
        start: ask
        nodes:
          ask: {emit.reply: {text: "What's your name, {{{input.provider_ids.user_id}}}?", buttons: [Ada, Grace]}, routing: [{to: wait}]}
          wait: {session.wait: {reason: name}, routing: [{to: greet}]}
          greet: {qa.process: "Nice to meet you, {{{input.text}}}!"}
        """

    static func bindings(_ tenant: String) -> String {
        "tenant: \(tenant)\nflow_type_bindings:\n  messaging: {adapter: slack}\n"
    }

    static func event(_ id: String, text: String, user: String = "U456", thread: String? = nil) -> String {
        let threadField = thread.map { #","thread_ts":"\#($0)""# } ?? ""
        return #"""
            {"type":"event_callback","team_id":"T1","event_id":"\#(id)","event_time":1731315600,
             "event":{"type":"message","channel":"C123","user":"\#(user)","text":"\#(text)","ts":"\#(Int(Date().timeIntervalSince1970)).000100"\#(threadField)}}
            """#
    }

    static func signed(_ body: String, secret: String, tenant: String = "demo", retry: Int? = nil) -> [(String, String)] {
        let ts = String(Int(Date().timeIntervalSince1970))
        var headers = [
            ("content-type", "application/json"), ("X-Slack-Request-Timestamp", ts),
            ("X-Slack-Signature", SlackSignature.signature(secret: secret, timestamp: ts, body: Array(body.utf8))),
            ("x-greentic-tenant", tenant),
        ]
        if let retry { headers += [("X-Slack-Retry-Num", String(retry)), ("X-Slack-Retry-Reason", "http_timeout")] }
        return headers
    }

    @Test func aConversationPausesAndResumesInItsThreadAndRetriesDoNotRepeatIt() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [Self.chat]))
        let slack = FakeProviderAPI()
        slack.script.withLock { $0 = [.json(429, ["ok": false, "error": "ratelimited"], headers: ["retry-after": "1"])] }
        try await slack.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(Self.bindings("demo"))])
            configuration.channels.slackAPIBaseURL = baseURL + "/api"
            configuration.tenancy = .init(resolver: .header, defaultTenant: "demo")
            let environment = ["SLACK_SIGNING_SECRET": "global-secret", "SLACK_BOT_TOKEN": "xoxb-test"]
            try await withLiveHost(configuration, environment: environment) { client async throws in
                let first = Self.event("Ev1", text: "hi", thread: "1731315600.000100")
                let answer = try await client.post("/slack/events", first, headers: Self.signed(first, secret: "global-secret"))
                #expect(answer.status == 200)
                #expect(answer.body.isEmpty)
                // Slack retries (its 3 s passed, say): the same event_id is not run again.
                let retried = try await client.post("/slack/events", first, headers: Self.signed(first, secret: "global-secret", retry: 1))
                #expect(retried.status == 200)

                // The first attempt is rate limited; the reply goes out after Retry-After, once.
                #expect(try await eventually { slack.calls(to: "/chat.postMessage").count == 2 })
                let post = try #require(slack.calls(to: "/chat.postMessage").last)
                #expect(post.path == "/api/chat.postMessage")
                #expect(post.header("authorization") == "Bearer xoxb-test")
                #expect(post.json["channel"] == "C123")
                #expect(post.json["thread_ts"] == "1731315600.000100", "the reply stays in the user's thread")
                #expect(post.json["text"] == "What's your name, U456?")
                #expect(
                    post.json["blocks"]?.arrayValue?.last?["elements"]?.arrayValue?.compactMap { $0["value"]?.stringValue } == [
                        "Ada", "Grace",
                    ]
                )

                let second = Self.event("Ev2", text: "Ada", thread: "1731315600.000100")
                #expect(try await client.post("/slack/events", second, headers: Self.signed(second, secret: "global-secret")).status == 200)
                #expect(try await eventually { slack.calls(to: "/chat.postMessage").count == 3 })
                #expect(slack.calls(to: "/chat.postMessage").last?.json["text"] == "Nice to meet you, Ada!")
                #expect(try await client.settled())
                #expect(slack.calls(to: "/chat.postMessage").count == 3, "no reply twice")
            }
        }
    }

    @Test func eachTenantIsVerifiedWithItsOwnSecretAndAMissingOneIsNamed() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [Self.chat]), tenant: "acme")
        let slack = FakeProviderAPI()
        try await slack.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(Self.bindings("acme"), tenant: "acme")])
            configuration.channels.slackAPIBaseURL = baseURL
            configuration.tenancy = .init(resolver: .header, defaultTenant: "acme")
            let environment = [
                "GREENTIC_SECRET_ACME__SLACK_SIGNING_SECRET": "acme-secret", "GREENTIC_SECRET_ACME__SLACK_BOT_TOKEN": "xoxb-acme",
            ]
            try await withLiveHost(configuration, environment: environment) { client async throws in
                let body = Self.event("Ev9", text: "hi")
                let forged = try await client.post(
                    "/slack/events",
                    body,
                    headers: Self.signed(body, secret: "another-tenants-secret", tenant: "acme")
                )
                #expect(forged.status == 401)
                #expect(forged.text == #"{"error":"invalid X-Slack-Signature"}"#)
                // A tenant that does not exist answers exactly as one that does: its existence
                // cannot be probed without its secret.
                let ghost = try await client.post("/slack/events", body, headers: Self.signed(body, secret: "acme-secret", tenant: "ghost"))
                #expect((ghost.status, ghost.text) == (forged.status, forged.text))
                let good = try await client.post("/slack/events", body, headers: Self.signed(body, secret: "acme-secret", tenant: "acme"))
                #expect(good.status == 200)
                #expect(try await eventually { slack.calls.count == 1 })
                #expect(slack.calls.first?.header("authorization") == "Bearer xoxb-acme")
            }
            // The same deployment with no Slack secret at all: a startup warning names what is missing,
            // and requests are refused with the missing setting named.
            let recorder = LogRecorder()
            try await withLiveHost(configuration, environment: [:], logger: recorder.logger) { client async throws in
                let warning = try #require(
                    recorder.recorded.first { $0.message.hasPrefix("channel credentials are missing") && $0.metadata["channel"] == "slack" }
                )
                #expect(warning.level == .warning)
                #expect(warning.metadata["gt.tenant"] == "acme")
                #expect(
                    warning.metadata["missing"]
                        == "SLACK_SIGNING_SECRET (or GREENTIC_SECRET_ACME__SLACK_SIGNING_SECRET), SLACK_BOT_TOKEN (or GREENTIC_SECRET_ACME__SLACK_BOT_TOKEN)"
                )
                let body = Self.event("Ev10", text: "hi")
                let refused = try await client.post(
                    "/slack/events",
                    body,
                    headers: Self.signed(body, secret: "acme-secret", tenant: "acme")
                )
                #expect(refused.status == 401)
                #expect(refused.text == #"{"error":"SLACK_SIGNING_SECRET is not configured for tenant acme"}"#)
            }
        }
    }
}
