internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import NIOCore
internal import RunnerCore
internal import RunnerFlow
internal import RunnerIngress

/// Serves the routes of every channel in the registry, inside a group whose requests have a
/// resolved tenant (``TenantRequestContext``).
///
/// Per request: the body is collected within its size and time limits, the route's adapter
/// verifies and parses it (for a tenant that is not loaded, with ``unknownTenantCredentials``:
/// a request that fails authentication gets the answer it would get from a loaded tenant, and
/// only one that passes, on a route without authentication, learns the tenant is not loaded), the flow is looked up once (404 unknown, 409 wrong type), the
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
    let credentials: ChannelCredentialLookup
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
                        return try await handle(
                            request,
                            context: context,
                            provider: channel.provider,
                            adapter: route.adapter,
                            parameters: parameters
                        )
                    }
                }
            }
        }
    }

    func handle(
        _ request: Request,
        context: TenantRequestContext,
        provider: String,
        adapter: any IngressAdapter,
        parameters: [String: String]
    ) async throws -> Response {
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
            tenant: context.tenantName,
            pathParameters: parameters,
            jsonLimits: .init(maxDepth: http.maxJSONDepth),
            credentials: try await credentials(for: context.tenant == nil ? nil : context.tenantName, provider: provider),
            receivedAt: now()
        )
        let result = try await adapter.handle(ingress)
        guard let runtime = context.tenant else { throw IngressError(.notFound, "tenant not loaded") }
        switch result {
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

    /// What the adapters of a tenant that is not loaded verify requests with: every credential
    /// set, to a random value drawn once per process, so no signature, token or verify token
    /// can match it.
    static let unknownTenantCredentials: ChannelCredentials = {
        let secret = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined(separator: "-")
        return ChannelCredentials { _ in secret }
    }()

    /// The credentials a request of `tenant` (`nil`: not loaded) is verified with; 503 when the
    /// secrets backend cannot say (the provider retries).
    private func credentials(for tenant: String?, provider: String) async throws(IngressError) -> ChannelCredentials {
        guard let tenant else { return Self.unknownTenantCredentials }
        do {
            return try await credentials(tenant, provider)
        } catch {
            throw IngressError(.unavailable, "the tenant's credentials cannot be read right now")
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
