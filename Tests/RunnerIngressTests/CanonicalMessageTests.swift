import Foundation
import RunnerCore
import Testing

@testable import RunnerIngress

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
