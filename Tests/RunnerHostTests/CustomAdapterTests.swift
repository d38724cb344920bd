import Foundation
import RunnerCore
import RunnerHost
import RunnerIngress
import RunnerTestSupport
import Testing

/// A made-up provider whose payload is `{"who": …, "says": …}`: proves the extension point.
struct AcmeChatAdapter: IngressAdapter {
    let provider = "acme"

    func handle(_ request: IngressRequest) async throws(IngressError) -> IngressResult {
        let body = try request.jsonBody()
        guard let who = body["who"]?.stringValue, let says = body["says"]?.stringValue else {
            throw IngressError(.badRequest, "who and says are required")
        }
        let message = CanonicalMessage(
            tenant: request.tenant,
            provider: provider,
            providerIDs: ProviderIDs(conversationID: request.pathParameters["room"], userID: who),
            sessionScopes: ["chat"],
            timestamp: Date(timeIntervalSince1970: 0),
            text: says,
            raw: body
        )
        return .event(
            IngressEvent(provider: provider, input: message.json, sessionKey: message.sessionKey, flow: .firstOfType("messaging"))
        )
    }
}

@Suite("Custom ingress adapters")
struct CustomAdapterTests {
    @Test func aCustomAdapterFeedsTheCanonicalPayloadToAFlow() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let echo = """
            id: chat
            type: messaging
            nodes:
              reply: {qa.process: {text: "{{{input.provider}}}/{{{input.session.key}}}: {{{input.text}}}"}}
            """
        try deployment.deploy(TestPack(flows: [echo]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        try await withLiveHost(configuration, customRoutes: [CustomIngressRoute(path: "/ingress/acme/{room}", adapter: AcmeChatAdapter())])
        { client in
            let response = try await client.post("/ingress/acme/lobby", #"{"who":"ada","says":"hi"}"#)
            #expect(response.status == 200)
            #expect(response.text == #"{"text":"acme/demo:acme:lobby:ada: hi"}"#)
            let refused = try await client.post("/ingress/acme/lobby", #"{"who":"ada"}"#)
            #expect(refused.status == 400)
            #expect(refused.text == #"{"error":"who and says are required"}"#)
        }
    }
}
