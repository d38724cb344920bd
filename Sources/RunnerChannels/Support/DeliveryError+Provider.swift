internal import Foundation
public import RunnerIngress

extension DeliveryError {
    /// The error for a failed call: a request that never left is transient; one that was sent
    /// and not answered has an unknown outcome.
    public init(_ failure: ProviderHTTPClient.Failure, provider: String) {
        switch failure {
        case .notSent(let message): self.init(.transient, "\(provider): \(message)")
        case .unanswered(let message): self.init(.unknownOutcome, "\(provider): \(message) (the request was sent; no answer came back)")
        }
    }

    /// The error for an answer with a failure status: 408, 425, 429 and 5xx are transient
    /// (honouring `Retry-After`); any other status is permanent.
    public init(status: Int, provider: String, detail: String, retryAfterSeconds: Double?) {
        let transient = status == 408 || status == 425 || status == 429 || status >= 500
        let text = detail.isEmpty ? "\(provider) answered HTTP \(status)" : "\(provider) answered HTTP \(status): \(detail)"
        self.init(transient ? .transient : .permanent, text, retryAfterSeconds: retryAfterSeconds)
    }
}
