internal import HTTPTypes
internal import Hummingbird
internal import RunnerIngress

/// Resolves a channel request's tenant (`TENANT_RESOLVER`) and takes its current runtime; a
/// tenant that is not loaded is a 404 `{"error":"tenant not loaded"}` before any adapter runs.
struct TenantResolutionMiddleware: RouterMiddleware {
    typealias Context = RunnerRequestContext

    let resolution: TenantResolution
    let tenants: ActiveTenants

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let tenant = resolution.tenant { name in
            // HTTP/1 `Host` arrives as the request's authority, not among the header fields.
            if name == "host", let authority = request.head.authority { return authority }
            return HTTPField.Name(name).flatMap { request.headers[$0] }
        }
        guard let runtime = tenants.runtime(for: tenant) else {
            throw IngressError(.notFound, "tenant not loaded")
        }
        var context = context
        context.tenant = runtime
        return try await next(request, context)
    }
}
