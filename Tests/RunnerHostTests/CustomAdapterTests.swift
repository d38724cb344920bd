import Foundation
import RunnerCore
import RunnerHost
import RunnerIngress
import RunnerTestSupport
import Synchronization
import Testing

/// A made-up provider whose payload is `{"who": …, "says": …}`: proves the extension point,
/// in and out.
struct AcmeChatChannel: RunnerIngress.Channel {
    struct Address: ReplyAddress {
        var room: String
        var conversation: String { room }
    }

    struct Adapter: IngressAdapter {
        let provider = "acme"

        func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
            let body = try request.jsonBody()
            guard let who = body["who"]?.stringValue, let says = body["says"]?.stringValue else {
                throw IngressError(.badRequest, "who and says are required")
            }
            let room = request.pathParameters["room"] ?? "lobby"
            let message = CanonicalMessage(
                tenant: request.tenant,
                provider: provider,
                providerIDs: ProviderIDs(conversationID: room, userID: who),
                sessionScopes: ["chat"],
                timestamp: Date(timeIntervalSince1970: 0),
                text: says,
                raw: body
            )
            let event = IngressEvent(
                provider: provider,
                input: message.json,
                sessionKey: message.sessionKey,
                flow: .firstOfType("messaging"),
                dedupe: body["id"]?.stringValue.map { DedupeID(namespace: provider, id: $0) },
                reply: try Address(room: room).target(provider: provider)
            )
            return .accept([event], answer: IngressResponse(status: 202))
        }
    }

    /// What was sent, by room (a class: the channel is a value copied into the host).
    final class Sent: Sendable {
        let messages = Mutex<[(String, OutboundMessage)]>([])
    }

    let provider = "acme"
    let sent = Sent()

    var routes: [ChannelRoute] { [ChannelRoute("/ingress/acme/{room}", adapter: Adapter())] }
    var requiredCredentials: [String] { ["ACME_TOKEN"] }

    func send(_ message: OutboundMessage, to address: Address, context: DeliveryContext) async throws(DeliveryError) {
        _ = try context.requiredCredential("ACME_TOKEN")
        sent.messages.withLock { $0.append((address.room, message)) }
    }
}

@Suite("Custom channels")
struct CustomAdapterTests {
    @Test func aCustomChannelIsServedAndRepliedThroughTheOutbox() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let echo = """
            id: chat
            type: messaging
            nodes:
              reply: {qa.process: {text: "{{{input.provider}}}/{{{input.session.key}}}: {{{input.text}}}", buttons: [ok]}}
            """
        try deployment.deploy(TestPack(flows: [echo]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        let channel = AcmeChatChannel()
        try await withLiveHost(configuration, channels: [channel], environment: ["GREENTIC_SECRET_DEMO__ACME_TOKEN": "t"]) { client in
            let response = try await client.post("/ingress/acme/lobby", #"{"who":"ada","says":"hi","id":"m1"}"#)
            #expect(response.status == 202)
            #expect(try await eventually { channel.sent.messages.withLock { $0.count } == 1 })
            let (room, message) = try #require(channel.sent.messages.withLock { $0.first })
            #expect(room == "lobby")
            #expect(
                message == OutboundMessage(text: "acme/demo:acme:lobby:ada: hi", buttons: [.init(id: "ok", title: "ok", payload: "ok")])
            )

            #expect(try await client.post("/ingress/acme/lobby", #"{"who":"ada","says":"hi","id":"m1"}"#).status == 202)
            let refused = try await client.post("/ingress/acme/lobby", #"{"who":"ada"}"#)
            #expect(refused.status == 400)
            #expect(refused.text == #"{"error":"who and says are required"}"#)
            #expect(try await client.settled())
            #expect(channel.sent.messages.withLock { $0.count } == 1, "the duplicate was not run again")
        }
    }
}
