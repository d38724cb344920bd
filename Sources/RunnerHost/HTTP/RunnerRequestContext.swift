public import Hummingbird
public import NIOCore

/// The request context of every route: Hummingbird's core storage plus the peer address,
/// which admin authorisation needs (loopback-only access when no token is configured), and the
/// tenant ``TenantResolutionMiddleware`` resolved for channel routes.
public struct RunnerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected peer; never taken from `X-Forwarded-For`.
    public let remoteAddress: SocketAddress?
    /// The tenant a channel request names, once resolved.
    var tenantName: String?
    /// That tenant's runtime, when it is loaded.
    var tenant: TenantRuntime?
    /// The connection's event loop (its timers time the request).
    let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.eventLoop = source.channel.eventLoop
    }
}
