import AsyncHTTPClient
import NIOHTTP1
import Testing

@testable import RunnerChannels

@Suite("Provider HTTP client")
struct ProviderHTTPClientTests {
    @Test func aFailureNeverQuotesTheURLsPathWhereTokensLive() async {
        let client = ProviderHTTPClient(http: HTTPClient.shared)
        for url in [
            "http://127.0.0.1:1/bot123:SECRET-TOKEN/sendMessage", "http://127.0.0.1:1/bot123:SECRET TOKEN/send Message",
            "bot123:SECRET-TOKEN",
        ] {
            guard case .failure(let failure) = await client.execute(.POST, url, timeout: .milliseconds(300)) else {
                Issue.record("\(url) cannot be sent")
                continue
            }
            #expect(!failure.description.contains("SECRET"), "\(failure.description)")
            if case .unanswered = failure { Issue.record("nothing was sent to \(url)") }
        }
    }
}
