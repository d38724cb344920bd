public import RunnerIngress

/// The generic webhook, `ANY /webhook/{flow_id}`: the flow runs inside the request and its
/// output is the HTTP response, so nothing is sent through a provider API.
public struct WebhookChannel: Channel {
    public typealias Address = NoReplyAddress

    public let provider = "webhook"

    public init() {}

    public var routes: [ChannelRoute] {
        [
            ChannelRoute(
                "/webhook/{flow_id}",
                methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                adapter: WebhookAdapter()
            )
        ]
    }

    public var requiredCredentials: [String] { [] }
}
