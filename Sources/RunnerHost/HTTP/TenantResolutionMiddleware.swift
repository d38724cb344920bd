internal import HTTPTypes
internal import Hummingbird
internal import RunnerIngress

/// Resolves a channel request's tenant (`TENANT_RESOLVER`) and takes its current runtime.
///
/// A tenant that is not loaded is answered 404 `{"error":"tenant not loaded"}` here only when
/// the resolution itself authenticated the caller (`jwt`). Otherwise the route's adapter still
/// checks the request (``ChannelRoutes``) as it would for a loaded tenant, so an unauthenticated
/// caller gets the same answer whether or not the tenant exists and cannot enumerate tenants.
struct TenantResolutionMiddleware: RouterMiddleware {
    typealias Context = RunnerRequestContext

    let resolution: TenantResolution
    let tenants: ActiveTenants

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let tenant = try await resolution.tenant { name in
            // HTTP/1 `Host` arrives as the request's authority, not among the header fields.
            if name == "host", let authority = request.head.authority { return authority }
            return HTTPField.Name(name).flatMap { request.headers[$0] }
        }
        let runtime = tenants.runtime(for: tenant)
        if runtime == nil && resolution.isAuthenticated {
            throw IngressError(.notFound, "tenant not loaded")
        }
        var context = context
        context.tenantName = tenant
        context.tenant = runtime
        return try await next(request, context)
    }
}
