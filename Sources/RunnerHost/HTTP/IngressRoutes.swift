public import HTTPTypes
internal import Hummingbird
internal import NIOCore
internal import RunnerCore
public import RunnerIngress

/// A route for a custom ingress adapter: the extension point through which an embedding
/// application adds its own channel.
public struct CustomIngressRoute: Sendable {
    public var path: String
    public var methods: [HTTPRequest.Method]
    public var adapter: any IngressAdapter

    /// - Parameters:
    ///   - path: the route, e.g. `/ingress/acme-chat`; `{name}` segments become path parameters.
    ///   - methods: the HTTP methods to accept (default POST).
    ///   - adapter: turns requests into canonical events.
    public init(path: String, methods: [HTTPRequest.Method] = [.post], adapter: any IngressAdapter) {
        self.path = path
        self.methods = methods
        self.adapter = adapter
    }
}

/// The channel routes: Telegram, the generic webhook and custom adapters. Each request is
/// size-limited, resolved to a loaded tenant, handed to its adapter and dispatched.
struct IngressRoutes {
    let dispatcher: MessageDispatcher
    let tenants: ActiveTenants
    let resolution: TenantResolution
    let http: RunnerHostConfiguration.HTTP
    let telegram: TelegramAdapter
    let custom: [CustomIngressRoute]

    private static let webhookMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    func register(on router: Router<RunnerRequestContext>) {
        router.post("/messaging/telegram/webhook") { request, _ in
            await handle(request, adapter: telegram, parameters: [:])
        }
        let webhook = WebhookAdapter()
        for method in Self.webhookMethods {
            router.on("/webhook/{flow_id}", method: method) { request, context in
                await handle(request, adapter: webhook, parameters: ["flow_id": context.parameters.get("flow_id") ?? ""])
            }
        }
        for route in custom {
            let names = route.path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map {
                String($0.dropFirst().dropLast())
            }
            for method in route.methods {
                router.on(RouterPath(route.path), method: method) { request, context in
                    var parameters: [String: String] = [:]
                    for name in names { parameters[name] = context.parameters.get(name) }
                    return await handle(request, adapter: route.adapter, parameters: parameters)
                }
            }
        }
    }

    func handle(_ request: Request, adapter: any IngressAdapter, parameters: [String: String]) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: http.maxBodyBytes)
        } catch {
            return .error(413, "request body exceeds \(http.maxBodyBytes) bytes")
        }
        // HTTP/1 `Host` arrives as the request's authority, not among the header fields.
        var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        if let authority = request.head.authority, !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.insert((name: "host", value: authority), at: 0)
        }
        let tenant = resolution.tenant { name in headers.first { $0.name.lowercased() == name }?.value }
        guard let runtime = tenants.runtime(for: tenant) else {
            return .error(404, "tenant not loaded")
        }
        let ingress = IngressRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query,
            headers: headers,
            body: Array(buffer: body),
            tenant: tenant,
            pathParameters: parameters,
            jsonLimits: .init(maxDepth: http.maxJSONDepth)
        )
        do {
            switch try await adapter.handle(ingress) {
            case .respond(let response):
                return Response(response)
            case .event(let event):
                // The reference's order: unknown flow (404), wrong type (409), then path policy (403).
                _ = try runtime.flow(for: event.flow)
                if adapter is WebhookAdapter, !runtime.bindings.webhookPolicy.permits(ingress.path) {
                    return .error(403, "path not permitted by policy")
                }
                return Response(await dispatcher.dispatch(event, runtime: runtime, adapter: adapter))
            }
        } catch {
            return .error(error.code.httpStatus, error.message)
        }
    }
}
