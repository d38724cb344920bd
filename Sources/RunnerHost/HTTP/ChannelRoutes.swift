internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import NIOCore
internal import RunnerCore
internal import RunnerFlow
internal import RunnerIngress

/// Serves the routes of every channel in the registry, inside a group whose requests have a
/// resolved, loaded tenant (``TenantRequestContext``).
///
/// Per request: the body is collected within its size and time limits, the route's adapter
/// verifies and parses it, the flow is looked up once (404 unknown, 409 wrong type), the
/// tenant's webhook path policy is applied to the normalised path the adapter names (403), a
/// normalised input above `FLOW_MAX_PAYLOAD_BYTES` is refused (413), and the events go to the
/// ``EventProcessor``, in the request or acknowledged first, as the adapter said.
struct ChannelRoutes {
    let processor: EventProcessor
    let channels: ChannelRegistry
    let tenants: ActiveTenants
    let resolution: TenantResolution
    let http: RunnerHostConfiguration.HTTP
    let maxPayloadBytes: Int
    let credentials: @Sendable (String) -> ChannelCredentials
    let now: @Sendable () -> Date

    func register(on router: Router<RunnerRequestContext>) {
        let group = router.group()
            .add(middleware: TenantResolutionMiddleware(resolution: resolution, tenants: tenants))
            .group(context: TenantRequestContext.self)
        for channel in channels.all {
            for route in channel.routes {
                let names = route.path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map {
                    String($0.dropFirst().dropLast())
                }
                for method in route.methods {
                    guard let method = HTTPRequest.Method(method) else { continue }
                    group.on(RouterPath(route.path), method: method) { request, context in
                        var parameters: [String: String] = [:]
                        for name in names { parameters[name] = context.parameters.get(name) }
                        return try await handle(request, context: context, adapter: route.adapter, parameters: parameters)
                    }
                }
            }
        }
    }

    func handle(
        _ request: Request,
        context: TenantRequestContext,
        adapter: any IngressAdapter,
        parameters: [String: String]
    ) async throws -> Response {
        let runtime = context.tenant
        let body = try await collectBody(request, timers: context.eventLoop)
        var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        if let authority = request.head.authority, !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.insert((name: "host", value: authority), at: 0)
        }
        let ingress = IngressRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query,
            headers: headers,
            body: body,
            tenant: runtime.tenant,
            pathParameters: parameters,
            jsonLimits: .init(maxDepth: http.maxJSONDepth),
            credentials: credentials(runtime.tenant),
            receivedAt: now()
        )
        switch try await adapter.handle(ingress) {
        case .respond(let response):
            return Response(response)
        case .run(let event):
            let flow = try admit(event, runtime: runtime)
            return Response(await processor.respond(event, flow: flow, runtime: runtime, adapter: adapter))
        case .accept(let events, let answer):
            var admitted: [(IngressEvent, FlowDefinition)] = []
            for event in events {
                admitted.append((event, try admit(event, runtime: runtime)))
            }
            guard !admitted.isEmpty else { return Response(answer) }
            return Response(await processor.accept(admitted, runtime: runtime, answer: answer))
        }
    }

    /// The flow an event runs, once it passed the tenant's checks.
    private func admit(_ event: IngressEvent, runtime: TenantRuntime) throws(IngressError) -> FlowDefinition {
        // The reference's order: unknown flow (404), wrong type (409), then path policy (403).
        let flow = try runtime.flow(for: event.flow)
        // Identifiers are stored as text, and PostgreSQL's text cannot hold U+0000: an id with
        // one (only hostile input has it) is refused here rather than failing the store (503,
        // then the provider retrying forever).
        let identifiers = [event.sessionKey, event.dedupe?.namespace, event.dedupe?.id, event.reply?.conversation]
        if identifiers.contains(where: { $0?.unicodeScalars.contains("\u{0}") == true }) {
            throw IngressError(.badRequest, "the event's conversation, user or event id contains a NUL character")
        }
        if let path = event.policyPath, !runtime.bindings.webhookPolicy.permits(path) {
            throw IngressError(.forbidden, "path not permitted by policy")
        }
        let size = event.input.serializedByteCount
        guard size <= maxPayloadBytes else {
            throw IngressError(
                .payloadTooLarge,
                "the request is \(size) bytes once normalised, above the limit of \(maxPayloadBytes) (FLOW_MAX_PAYLOAD_BYTES)"
            )
        }
        return flow
    }

    /// The whole body, within `MAX_BODY_BYTES` (413) and `HTTP_BODY_TIMEOUT` (408).
    private func collectBody(_ request: Request, timers: any EventLoop) async throws(IngressError) -> [UInt8] {
        let limit = http.maxBodyBytes
        let timeout = Duration.milliseconds(http.bodyTimeoutMs)
        let result: Result<ByteBuffer, any Error>? = await withTaskGroup(of: Result<ByteBuffer, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await request.body.collect(upTo: limit))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                await EventLoopTimer.sleep(for: timeout, on: timers)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch result {
        case .success(let buffer)?:
            return Array(buffer: buffer)
        case .failure(let error)? where error is NIOTooManyBytesError:
            throw IngressError(.payloadTooLarge, "request body exceeds \(limit) bytes")
        case .failure?:
            throw IngressError(.badRequest, "the request body could not be read")
        case nil:
            throw IngressError(.requestTimeout, "the request body did not arrive within \(http.bodyTimeoutMs) ms")
        }
    }
}
