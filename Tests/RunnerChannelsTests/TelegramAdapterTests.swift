import Foundation
import RunnerChannels
import RunnerCore
import RunnerIngress
import Testing

@Suite("Telegram adapter")
struct TelegramAdapterTests {
    let fixed = Date(timeIntervalSince1970: 1_762_851_600)

    func request(
        _ body: String,
        headers: [(String, String)] = [("Content-Type", "application/json"), ("X-Telegram-Bot-Api-Secret-Token", "s3cret")],
        tenant: String = "demo",
        credentials: ChannelCredentials = ChannelCredentials(["TELEGRAM_WEBHOOK_SECRET": "s3cret"])
    ) -> IngressRequest {
        IngressRequest(
            method: "POST",
            path: "/messaging/telegram/webhook",
            headers: headers.map { (name: $0.0, value: $0.1) },
            body: Array(body.utf8),
            tenant: tenant,
            credentials: credentials,
            receivedAt: fixed
        )
    }

    func acceptedEvent(_ result: IngressResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> IngressEvent {
        guard case .accept(let events, let answer) = result, events.count == 1, let event = events.first else {
            Issue.record("expected one accepted event, got \(result)", sourceLocation: sourceLocation)
            throw Unexpected()
        }
        #expect(answer.status == 200, sourceLocation: sourceLocation)
        return event
    }

    struct Unexpected: Error {}

    @Test func mapsATextMessageExactlyLikeTheOriginal() async throws {
        let result = try await TelegramAdapter().handle(
            request(
                #"{"update_id":555,"message":{"message_id":9,"text":"hello","chat":{"id":123,"type":"private"},"from":{"id":777,"first_name":"Ada"}}}"#
            )
        )
        let event = try acceptedEvent(result)
        #expect(event.sessionKey == "demo:telegram:123:777")
        #expect(event.dedupe == DedupeID(namespace: "telegram", id: "555"))
        #expect(event.reply == ReplyTarget(provider: "telegram", conversation: "123", address: ["chat_id": 123]))
        #expect(event.acknowledgements.isEmpty)
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

    @Test func aButtonPressIsACanonicalButtonAndIsAcknowledged() async throws {
        let body = #"""
            {"update_id":556,"callback_query":{"id":"cb-1","from":{"id":777,"is_bot":false,"first_name":"Ada"},"chat_instance":"ci",
             "data":"yes","message":{"message_id":10,"date":1,"chat":{"id":123,"type":"private"},"text":"Sure?",
             "reply_markup":{"inline_keyboard":[[{"text":"Yes!","callback_data":"yes"}],[{"text":"No","callback_data":"no"}]]}}}}
            """#
        let event = try acceptedEvent(try await TelegramAdapter().handle(request(body)))
        #expect(event.sessionKey == "demo:telegram:123:777", "the same conversation as the user's messages")
        #expect(event.input["text"] == "Yes!")
        #expect(event.input["buttons"] == [["id": "yes", "title": "Yes!", "payload": "yes"]])
        #expect(event.input["session"]?["scopes"] == ["buttons", "chat"])
        #expect(event.input["channel_data"] == ["chat_id": 123, "callback_query_id": "cb-1"])
        #expect(event.reply?.address == ["chat_id": 123, "callback_query_id": "cb-1"])
        #expect(event.acknowledgements == [.acknowledgement], "answerCallbackQuery goes out whatever the flow does")
        #expect(event.dedupe == DedupeID(namespace: "telegram", id: "556"))
    }

    @Test func userFallsBackWhenFromIsMissing() async throws {
        let event = try acceptedEvent(
            try await TelegramAdapter().handle(request(#"{"update_id":1,"message":{"text":"hi","chat":{"id":-100}}}"#))
        )
        #expect(event.sessionKey == "demo:telegram:-100:user")
    }

    @Test(arguments: [
        #"{"update_id":1}"#, #"{"update_id":1,"edited_message":{"text":"x","chat":{"id":1}}}"#,
        #"{"update_id":1,"message":{"text":"   ","chat":{"id":1}}}"#, #"{"update_id":1,"message":{"chat":{"id":1}}}"#,
        #"{"update_id":1,"callback_query":{"id":"x","inline_message_id":"i","data":"d"}}"#,
    ])
    func answersNoContentForOtherUpdates(_ body: String) async throws {
        let result = try await TelegramAdapter().handle(request(body))
        guard case .respond(let response) = result else {
            Issue.record("expected an immediate response")
            return
        }
        #expect(response.status == 204)
    }

    @Test(arguments: [
        (#"not json"#, 400), (#"{"message":{"text":"x","chat":{"id":1}}}"#, 400), (#"{"update_id":"1"}"#, 400),
        (#"{"update_id":1,"message":{"text":"x","chat":{}}}"#, 400), (#"[1,2]"#, 400),
        (#"{"update_id":1,"callback_query":{"data":"d"}}"#, 400),
    ])
    func rejectsMalformedUpdates(_ body: String, _ status: Int) async {
        let error = await #expect(throws: IngressError.self) { try await TelegramAdapter().handle(request(body)) }
        #expect(error?.code.httpStatus == status)
    }

    @Test func requiresJSONContentType() async {
        let error = await #expect(throws: IngressError.self) {
            try await TelegramAdapter().handle(
                request(#"{"update_id":1}"#, headers: [("Content-Type", "text/plain"), ("X-Telegram-Bot-Api-Secret-Token", "s3cret")])
            )
        }
        #expect(error?.code == .unsupportedMediaType)
    }

    @Test func theWebhookSecretIsRequiredAndChecked() async throws {
        let body = #"{"update_id":1}"#
        let unconfigured = await #expect(throws: IngressError.self) {
            try await TelegramAdapter().handle(request(body, credentials: .none))
        }
        #expect(unconfigured?.code == .unauthorized)
        #expect(unconfigured?.message == "TELEGRAM_WEBHOOK_SECRET is not configured for tenant demo", "names the missing setting")
        let missing = await #expect(throws: IngressError.self) {
            try await TelegramAdapter().handle(request(body, headers: [("Content-Type", "application/json")]))
        }
        #expect(missing?.code == .unauthorized)
        let wrong = await #expect(throws: IngressError.self) {
            try await TelegramAdapter().handle(
                request(body, headers: [("Content-Type", "application/json"), ("X-Telegram-Bot-Api-Secret-Token", "s3cre")])
            )
        }
        #expect(wrong?.code == .unauthorized)
        guard case .respond(let response) = try await TelegramAdapter().handle(request(body)) else {
            Issue.record("expected 204")
            return
        }
        #expect(response.status == 204)
    }
}
