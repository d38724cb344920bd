internal import Hummingbird
internal import Logging
internal import NIOCore

/// The context of channel routes: a request whose tenant is resolved, and loaded or not.
///
/// Built from the ``RunnerRequestContext`` that ``TenantResolutionMiddleware`` filled in, so a
/// handler in a tenant group always has its tenant's name.
struct TenantRequestContext: ChildRequestContext, RemoteAddressRequestContext {
    typealias ParentContext = RunnerRequestContext

    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// The tenant the request names.
    let tenantName: String
    /// The tenant's runtime at the time of the request; `nil` when it is not loaded.
    let tenant: TenantRuntime?
    /// The connection's event loop.
    let eventLoop: any EventLoop

    init(context: RunnerRequestContext) throws {
        guard let tenantName = context.tenantName else { throw TenantNotResolved() }
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.tenantName = tenantName
        self.tenant = context.tenant
        self.eventLoop = context.eventLoop
    }
}

/// A channel route was reached without ``TenantResolutionMiddleware`` (a wiring mistake).
struct TenantNotResolved: Error {}
