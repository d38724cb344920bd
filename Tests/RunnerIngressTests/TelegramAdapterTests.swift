import Foundation
import RunnerCore
import Testing

@testable import RunnerIngress

@Suite("Telegram adapter")
struct TelegramAdapterTests {
    let fixed = Date(timeIntervalSince1970: 1_762_851_600)

    func request(
        _ body: String,
        headers: [(String, String)] = [("Content-Type", "application/json")],
        tenant: String = "demo"
    ) -> IngressRequest {
        IngressRequest(
            method: "POST",
            path: "/messaging/telegram/webhook",
            headers: headers.map { (name: $0.0, value: $0.1) },
            body: Array(body.utf8),
            tenant: tenant
        )
    }

    @Test func mapsATextMessageExactlyLikeTheOriginal() async throws {
        let adapter = TelegramAdapter(webhookSecret: nil, now: { [fixed] in fixed })
        let result = try await adapter.handle(
            request(
                #"{"update_id":555,"message":{"message_id":9,"text":"hello","chat":{"id":123,"type":"private"},"from":{"id":777,"first_name":"Ada"}}}"#
            )
        )
        guard case .event(let event) = result else {
            Issue.record("expected an event")
            return
        }
        #expect(event.sessionKey == "demo:telegram:123:777")
        #expect(event.dedupe == DedupeID(namespace: "telegram", id: "555"))
        #expect(event.replyAddress == ["chat_id": 123])
        #expect(event.flow == .firstOfType("messaging"))
        let expected = try JSONValue(
            parsing: #"""
                {"attachments":[],"buttons":[],"channel_data":{"chat_id":123},"entities":{"mentions":[],"urls":[]},
                 "locale":null,"metadata":{"ip":null,"raw_headers":{}},"provider":"telegram",
                 "provider_ids":{"channel_id":"123","conversation_id":"123","event_id":"555","message_id":"555","user_id":"777"},
                 "raw":{"message":{"chat":{"id":123},"from":{"id":777},"text":"hello"},"update_id":555},
                 "session":{"key":"demo:telegram:123:777","scopes":["chat"]},"tenant":"demo","text":"hello",
                 "timestamp":"2025-11-11T09:00:00+00:00"}
                """#
        )
        #expect(event.input == expected)
    }

    @Test func userFallsBackWhenFromIsMissing() async throws {
        let adapter = TelegramAdapter(webhookSecret: nil)
        let result = try await adapter.handle(request(#"{"update_id":1,"message":{"text":"hi","chat":{"id":-100}}}"#))
        guard case .event(let event) = result else {
            Issue.record("expected an event")
            return
        }
        #expect(event.sessionKey == "demo:telegram:-100:user")
    }

    @Test(arguments: [
        #"{"update_id":1}"#, #"{"update_id":1,"edited_message":{"text":"x","chat":{"id":1}}}"#,
        #"{"update_id":1,"message":{"text":"   ","chat":{"id":1}}}"#, #"{"update_id":1,"message":{"chat":{"id":1}}}"#,
    ])
    func answersNoContentForNonTextUpdates(_ body: String) async throws {
        let result = try await TelegramAdapter(webhookSecret: nil).handle(request(body))
        guard case .respond(let response) = result else {
            Issue.record("expected an immediate response")
            return
        }
        #expect(response.status == 204)
    }

    @Test(arguments: [
        (#"not json"#, 400), (#"{"message":{"text":"x","chat":{"id":1}}}"#, 400), (#"{"update_id":"1"}"#, 400),
        (#"{"update_id":1,"message":{"text":"x","chat":{}}}"#, 400), (#"[1,2]"#, 400),
    ])
    func rejectsMalformedUpdates(_ body: String, _ status: Int) async {
        let error = await #expect(throws: IngressError.self) { try await TelegramAdapter(webhookSecret: nil).handle(request(body)) }
        #expect(error?.code.httpStatus == status)
    }

    @Test func requiresJSONContentType() async {
        let error = await #expect(throws: IngressError.self) {
            try await TelegramAdapter(webhookSecret: nil).handle(request(#"{"update_id":1}"#, headers: [("Content-Type", "text/plain")]))
        }
        #expect(error?.code == .unsupportedMediaType)
    }

    @Test func checksTheWebhookSecretWhenConfigured() async throws {
        let adapter = TelegramAdapter(webhookSecret: "s3cret")
        let body = #"{"update_id":1}"#
        let missing = await #expect(throws: IngressError.self) { try await adapter.handle(request(body)) }
        #expect(missing?.code == .unauthorized)
        let wrong = await #expect(throws: IngressError.self) {
            try await adapter.handle(
                request(body, headers: [("Content-Type", "application/json"), ("X-Telegram-Bot-Api-Secret-Token", "nope")])
            )
        }
        #expect(wrong?.code == .unauthorized)
        let good = try await adapter.handle(
            request(body, headers: [("Content-Type", "application/json"), ("X-Telegram-Bot-Api-Secret-Token", "s3cret")])
        )
        guard case .respond(let response) = good else {
            Issue.record("expected 204")
            return
        }
        #expect(response.status == 204)
    }

    @Test func collectsReplyTextsLikeTheOriginal() throws {
        let output = try JSONValue(parsing: #"[{"text":"hello"},{"messages":[{"text":"nested"},"raw"]},null,"world"]"#)
        #expect(TelegramAdapter.replyTexts(from: output) == ["hello", "nested", "raw", "world"])
    }

    @Test func statusCodesFollowTheOutcome() {
        let adapter = TelegramAdapter(webhookSecret: nil)
        #expect(adapter.response(for: .ran(output: .null, replies: 0)).status == 204)
        #expect(adapter.response(for: .ran(output: "hi", replies: 1)).status == 200)
        #expect(adapter.response(for: .flowFailed("x")).status == 500)
    }
}

@Suite("Canonical session keys")
struct SessionKeyTests {
    @Test(arguments: [
        (ProviderIDs(conversationID: "123", channelID: "123", userID: "777"), "demo", "telegram", "demo:telegram:123:777"),
        (
            ProviderIDs(
                workspaceID: "T1",
                conversationID: "1731315600.000100",
                threadID: "1731315600.000100",
                channelID: "C1",
                userID: "U456"
            ), "demo", "slack", "demo:slack:1731315600.000100:U456"
        ),
        (
            ProviderIDs(conversationID: "conv-1", threadID: "thread-xyz", channelID: "chan", userID: "user-123"), "acme", "teams",
            "acme:teams:thread-xyz:user-123"
        ),
        (ProviderIDs(conversationID: "conv-abc", userID: "user-123"), "demo", "webchat", "demo:webchat:conv-abc:user-123"),
        (
            ProviderIDs(conversationID: "room", threadID: "parent-789", userID: "person-456"), "cisco", "webex",
            "cisco:webex:parent-789:person-456"
        ),
        (
            ProviderIDs(conversationID: "447700900123", userID: "447700900123"), "zain-kuwait", "whatsapp",
            "zain-kuwait:whatsapp:447700900123:447700900123"
        ),
        (ProviderIDs(), "t", "p", "t:p:conversation:user"),
        (ProviderIDs(userID: "u"), "t", "p", "t:p:u:u"),
        (ProviderIDs(channelID: "c"), "t", "p", "t:p:c:user"),
    ])
    func followsThePrecedence(_ ids: ProviderIDs, _ tenant: String, _ provider: String, _ expected: String) {
        #expect(ids.sessionKey(tenant: tenant, provider: provider) == expected)
    }

    @Test func providerIDsOmitUnsetKeys() {
        #expect(ProviderIDs(userID: "u").json == ["user_id": "u"])
    }

    @Test func scopesAreSorted() {
        let message = CanonicalMessage(
            tenant: "t",
            provider: "slack",
            providerIDs: ProviderIDs(),
            sessionScopes: ["chat", "buttons", "attachments"],
            timestamp: Date(timeIntervalSince1970: 0)
        )
        #expect(message.json["session"]?["scopes"] == ["attachments", "buttons", "chat"])
    }
}
