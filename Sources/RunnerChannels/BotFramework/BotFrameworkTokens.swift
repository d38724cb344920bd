public import Foundation
internal import NIOHTTP1
internal import RunnerCore
public import RunnerIngress

/// Access tokens for replying through the Bot Framework: the client-credentials grant at
/// `BOTFRAMEWORK_TOKEN_URL` with the app's id and password, scope
/// `https://api.botframework.com/.default`, cached per app until five minutes before it expires.
public actor BotFrameworkTokens {
    private struct Cached {
        var token: String
        var expiresAt: Date
    }

    private let client: ProviderHTTPClient
    private let tokenURL: String
    private let now: @Sendable () -> Date
    private var cache: [String: Cached] = [:]

    public init(client: ProviderHTTPClient, tokenURL: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.tokenURL = tokenURL
        self.now = now
    }

    /// A valid token for `appID`.
    ///
    /// - Throws: ``DeliveryError``: permanent when the endpoint refuses the credentials,
    ///   transient when it is unavailable.
    public func token(appID: String, password: String, timeout: Duration) async throws(DeliveryError) -> String {
        if let cached = cache[appID], now() < cached.expiresAt { return cached.token }
        let form = [
            ("grant_type", "client_credentials"), ("client_id", appID), ("client_secret", password),
            ("scope", "https://api.botframework.com/.default"),
        ]
        .map { "\($0.0)=\(FormEncoding.percentEncodePathSegment($0.1))" }.joined(separator: "&")
        let result = await client.execute(
            .POST,
            tokenURL,
            headers: [("content-type", "application/x-www-form-urlencoded")],
            body: Array(form.utf8),
            timeout: timeout
        )
        let response: ProviderHTTPClient.Response
        switch result {
        case .success(let answer): response = answer
        case .failure(let failure):
            // A token request that got no answer can simply be made again.
            throw DeliveryError(.transient, "Bot Framework token request failed: \(failure)")
        }
        guard (200..<300).contains(response.status) else {
            throw DeliveryError(
                status: response.status,
                provider: "the Bot Framework token endpoint",
                detail: response.json?["error_description"]?.stringValue ?? response.json?["error"]?.stringValue ?? "",
                retryAfterSeconds: response.retryAfterSeconds(now: now())
            )
        }
        guard let token = response.json?["access_token"]?.stringValue, !token.isEmpty else {
            throw DeliveryError(.transient, "the Bot Framework token endpoint answered without an access_token")
        }
        let lifetime = Double(response.json?["expires_in"]?.int64Value ?? 3600)
        cache[appID] = Cached(token: token, expiresAt: now().addingTimeInterval(max(0, lifetime - 300)))
        return token
    }

    /// Forgets the token of `appID` (the connector refused it).
    public func invalidate(appID: String) {
        cache[appID] = nil
    }
}
