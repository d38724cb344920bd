internal import Foundation
internal import NIOHTTP1
internal import RunnerCore
internal import RunnerIngress

/// Posts replies to a Bot Framework connector (`{serviceUrl}/v3/conversations/{id}/activities/{replyTo}`)
/// with a client-credentials token of the tenant's app. The token request and the post share
/// the send's timeout, so a send never outlives the outbox lease it runs under.
struct BotFrameworkSender: Sendable {
    let client: ProviderHTTPClient
    let tokens: BotFrameworkTokens

    func send(
        _ message: OutboundMessage,
        to address: BotFrameworkAddress,
        context: DeliveryContext,
        provider: String
    ) async throws(DeliveryError) {
        guard message.kind == .message else { throw DeliveryError(.permanent, "the Bot Framework has no acknowledgement message") }
        let appID = try context.requiredCredential("MICROSOFT_APP_ID")
        let password = try context.requiredCredential("MICROSOFT_APP_PASSWORD")
        let deadline = ContinuousClock.now.advanced(by: context.timeout)
        let token = try await tokens.token(appID: appID, password: password, timeout: context.timeout)
        let remaining = deadline - ContinuousClock.now
        guard remaining > .milliseconds(100) else {
            throw DeliveryError(.transient, "\(provider): the Bot Framework token took the whole send timeout; the reply was not sent")
        }
        let base = address.serviceURL.hasSuffix("/") ? String(address.serviceURL.dropLast()) : address.serviceURL
        var url = "\(base)/v3/conversations/\(FormEncoding.percentEncodePathSegment(address.conversationID))/activities"
        if let replyTo = address.activityID { url += "/\(FormEncoding.percentEncodePathSegment(replyTo))" }
        let result = await client.execute(
            .POST,
            url,
            headers: [("content-type", "application/json"), ("authorization", "Bearer \(token)")],
            body: BotFrameworkReply.activity(message, address: address).serializedBytes(),
            timeout: remaining
        )
        let response: ProviderHTTPClient.Response
        switch result {
        case .success(let answer): response = answer
        case .failure(let failure): throw DeliveryError(failure, provider: "\(provider) (Bot Framework connector)")
        }
        guard (200..<300).contains(response.status) else {
            if response.status == 401 {
                // The token may have been revoked early: fetch a new one for the retry.
                await tokens.invalidate(appID: appID)
                throw DeliveryError(.transient, "\(provider): the Bot Framework connector refused the token (HTTP 401)")
            }
            throw DeliveryError(
                status: response.status,
                provider: "\(provider) (Bot Framework connector)",
                detail: response.json?["error"]?["message"]?.stringValue ?? "",
                retryAfterSeconds: response.retryAfterSeconds(now: Date())
            )
        }
    }
}
