import RunnerChannels
import RunnerCore
import RunnerIngress
import Testing

@Suite("Generic webhook adapter")
struct WebhookAdapterTests {
    @Test func normalisesTheRequest() async throws {
        let request = IngressRequest(
            method: "POST",
            path: "/webhook/orders",
            query: "a=1",
            headers: [(name: "X-Custom", value: "v"), (name: "Content-Type", value: "text/plain")],
            body: Array("hi".utf8),
            tenant: "demo",
            pathParameters: ["flow_id": "orders"]
        )
        let result = try await WebhookAdapter().handle(request)
        guard case .run(let event) = result else {
            Issue.record("expected an event")
            return
        }
        #expect(
            event.input
                == [
                    "method": "POST", "path": "/webhook/orders", "query": "a=1",
                    "headers": ["x-custom": "v", "content-type": "text/plain"], "body": ["text": "hi"],
                ]
        )
        #expect(event.flow == .id("orders", requiredType: "webhook"))
        #expect(event.dedupe == nil)
        #expect(event.sessionKey == "demo:webhook:/webhook/orders:/webhook/orders:user")
        #expect(event.policyPath == "/webhook/orders", "the path policy applies to the route the router matched")
        #expect(event.reply == nil)
    }

    @Test func credentialHeadersNeverReachTheFlowInput() async throws {
        let request = IngressRequest(
            method: "POST",
            path: "/webhook/orders",
            headers: [
                (name: "Authorization", value: "Bearer abc"), (name: "Cookie", value: "sid=1"), (name: "X-Api-Key", value: "k"),
                (name: "X-Telegram-Bot-Api-Secret-Token", value: "s"), (name: "Proxy-Authorization", value: "Basic x"),
                (name: "X-Greentic-Session", value: "caller-7"), (name: "X-Custom", value: "v"),
            ],
            body: [],
            tenant: "demo",
            pathParameters: ["flow_id": "orders"]
        )
        guard case .run(let event) = try await WebhookAdapter().handle(request) else {
            Issue.record("expected an event")
            return
        }
        #expect(
            event.input["headers"]
                == [
                    "authorization": "[redacted]", "cookie": "[redacted]", "x-api-key": "[redacted]",
                    "x-telegram-bot-api-secret-token": "[redacted]", "proxy-authorization": "[redacted]",
                    "x-greentic-session": "caller-7", "x-custom": "v",
                ]
        )
        #expect(event.sessionKey.contains("caller-7"), "the session header still keys the conversation")
    }

    @Test func theSessionHeaderNamesTheCallersConversationApartFromIdempotency() async throws {
        let request = IngressRequest(
            method: "POST",
            path: "/webhook//x",
            headers: [(name: "X-Greentic-Session", value: "caller-7"), (name: "Idempotency-Key", value: "k1")],
            tenant: "t",
            pathParameters: ["flow_id": "x"]
        )
        guard case .run(let event) = try await WebhookAdapter().handle(request) else {
            Issue.record("expected an event")
            return
        }
        #expect(event.sessionKey == "t:webhook:x:caller-7")
        #expect(event.dedupe == DedupeID(namespace: "webhook:x", id: "k1"))
        #expect(event.policyPath == "/webhook/x", "a doubled slash does not escape the policy")

        var tooLong = request
        tooLong.headers = [(name: "X-Greentic-Session", value: String(repeating: "s", count: 257))]
        let error = await #expect(throws: IngressError.self) { try await WebhookAdapter().handle(tooLong) }
        #expect(error?.code == .badRequest)
    }

    @Test func binaryBodiesAreHexAndEmptyIsNull() {
        var request = IngressRequest(method: "PUT", path: "/webhook/x", body: [0xFF, 0x00], tenant: "t", pathParameters: ["flow_id": "x"])
        #expect(WebhookAdapter.normalize(request)["body"] == ["base16": "ff00"])
        request.body = []
        #expect(WebhookAdapter.normalize(request)["body"] == .null)
        #expect(WebhookAdapter.normalize(request)["query"] == .null)
    }

    @Test func idempotencyKeyDedupesAndNamesTheSession() async throws {
        let request = IngressRequest(
            method: "POST",
            path: "/webhook/x",
            headers: [(name: "Idempotency-Key", value: "abc")],
            tenant: "t",
            pathParameters: ["flow_id": "x"]
        )
        guard case .run(let event) = try await WebhookAdapter().handle(request) else {
            Issue.record("expected an event")
            return
        }
        #expect(event.dedupe == DedupeID(namespace: "webhook:x", id: "abc"))
        #expect(event.sessionKey == "abc")
    }

    @Test func mapsOutputsToResponses() throws {
        let custom = try #require(
            WebhookAdapter.httpResponse(for: ["status": 202, "headers": ["X-Custom": "true"], "body": ["text": "ok"]])
        )
        #expect(custom.status == 202)
        #expect(custom.headers["X-Custom"] == "true")
        #expect(custom.body == Array("ok".utf8))

        let text = try #require(WebhookAdapter.httpResponse(for: "plain"))
        #expect(text.status == 200 && text.body == Array("plain".utf8) && text.headers.isEmpty)

        let hex = try #require(WebhookAdapter.httpResponse(for: ["body": ["base16": "6869"]]))
        #expect(hex.body == Array("hi".utf8))

        let json = try #require(WebhookAdapter.httpResponse(for: ["greeting": "hi"]))
        #expect(json.status == 200 && json.headers["content-type"] == "application/json")
        #expect(json.body == Array(#"{"greeting":"hi"}"#.utf8))

        let array = try #require(WebhookAdapter.httpResponse(for: [1, 2]))
        #expect(array.body == Array("[1,2]".utf8))

        let textField = try #require(WebhookAdapter.httpResponse(for: ["text": "t", "status": 201]))
        #expect(textField.status == 201 && textField.body == Array("t".utf8))

        #expect(WebhookAdapter.httpResponse(for: ["status": 9999]) == nil)
        #expect(WebhookAdapter.httpResponse(for: ["body": ["base16": "xyz"]]) == nil)
        #expect(WebhookAdapter().response(for: .ran(output: ["status": 42])).status == 500)
        #expect(WebhookAdapter().response(for: .flowFailed("boom")).body == Array(#"{"error":"webhook flow failed"}"#.utf8))
    }
}
