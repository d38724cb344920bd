internal import Crypto
internal import Foundation
internal import RunnerCore
public import RunnerIngress

/// Slack's request signing (`v0`): `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256 of
/// `v0:{X-Slack-Request-Timestamp}:{raw body}` under the app's signing secret, and the timestamp
/// must be within five minutes of now (as slack_sdk's `SignatureVerifier` checks).
public enum SlackSignature {
    /// Largest accepted distance between the request's timestamp and now, in seconds.
    public static let window: Int64 = 300

    /// Verifies `request` with the tenant's `SLACK_SIGNING_SECRET`.
    ///
    /// - Throws: ``IngressError`` 401 when the secret is not configured, a header is missing,
    ///   the timestamp is malformed or stale, or the signature does not match.
    public static func verify(_ request: IngressRequest) throws(IngressError) {
        let secret = try request.requiredCredential("SLACK_SIGNING_SECRET")
        guard let timestamp = request.header("x-slack-request-timestamp"), let signature = request.header("x-slack-signature") else {
            throw IngressError(.unauthorized, "missing X-Slack-Request-Timestamp or X-Slack-Signature")
        }
        guard let seconds = Int64(timestamp) else {
            throw IngressError(.unauthorized, "X-Slack-Request-Timestamp is not a number of seconds")
        }
        let now = Int64(request.receivedAt.timeIntervalSince1970.rounded(.down))
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, difference.magnitude <= UInt64(window) else {
            throw IngressError(.unauthorized, "X-Slack-Request-Timestamp is more than five minutes away from now")
        }
        guard ConstantTime.equals(signature, Self.signature(secret: secret, timestamp: timestamp, body: request.body)) else {
            throw IngressError(.unauthorized, "invalid X-Slack-Signature")
        }
    }

    /// `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
    public static func signature(secret: String, timestamp: String, body: [UInt8]) -> String {
        var message = Array("v0:\(timestamp):".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "v0=" + Hex.encode(Array(code))
    }
}
