internal import Foundation
internal import Hummingbird
internal import RunnerCore

/// The admin API, behind ``AdminAuthMiddleware``:
///
/// - `GET /admin/packs/status` and `POST /admin/packs/reload` (reference §9.4); the status also
///   counts the outbox (`pending`, `in_flight`, `dead`) and the accepted events (`pending`,
///   `in_flight`, `failed`);
/// - `GET /admin/outbox/dead?tenant=&limit=&after=`: dead letters by id, a page at a time
///   (`limit` 1–500, default 50; `next` is the `after` of the next page);
/// - `POST /admin/outbox/dead/{id}/replay` (optionally `?tenant=`): queue a dead letter again
///   with its attempts reset (202), 404 when there is no such dead letter;
/// - the tenant and session routes of ``TenantAdminRoutes``.
struct AdminRoutes {
    let status: HostStatus
    let tenants: ActiveTenants
    let store: any RunnerStore
    let requestReload: @Sendable () -> Void
    let outboxNudge: @Sendable () -> Void
    let token: String?
    var now: @Sendable () -> Date = { Date() }

    func register(on router: Router<RunnerRequestContext>) {
        let admin = router.group("/admin").add(middleware: AdminAuthMiddleware(token: token))
        admin.get("/packs/status") { _, _ in
            Response.json(200, try await statusBody())
        }
        admin.post("/packs/reload") { _, _ in
            requestReload()
            return Response.json(202, ["status": "reload requested"])
        }
        admin.get("/outbox/dead") { request, _ in
            let query = request.uri.queryParameters
            let limit = query["limit"].map { Int(String($0)) } ?? 50
            guard let limit, (1...500).contains(limit) else {
                return Response.error(400, "limit must be an integer between 1 and 500")
            }
            let page = try await store.deadLetters(
                tenant: query["tenant"].map(String.init),
                after: query["after"].map(String.init),
                limit: limit
            )
            return Response.json(
                200,
                ["dead": .array(page.letters.map(Self.json(_:))), "next": page.next.map(JSONValue.string) ?? .null]
            )
        }
        admin.post("/outbox/dead/{id}/replay") { request, context in
            let id = try context.parameters.require("id")
            let tenant = request.uri.queryParameters["tenant"].map(String.init)
            guard try await store.replayDeadLetter(id: id, tenant: tenant, now: now()) else {
                return Response.error(404, "no dead letter \(id)")
            }
            outboxNudge()
            return Response.json(202, ["status": "replay queued", "id": .string(id)])
        }
        TenantAdminRoutes(tenants: tenants, store: store, now: now).register(on: admin)
    }

    static func json(_ letter: DeadLetter) -> JSONValue {
        let message = letter.message
        return [
            "id": .string(message.id),
            "tenant": .string(message.tenant),
            "provider": .string(message.target.provider),
            "conversation": .string(message.target.conversation),
            "address": message.target.address,
            "message": message.message,
            "attempts": .int(Int64(message.attempts)),
            "error": .string(letter.error),
            "created_at": .string(RFC3339.zuluString(message.createdAt)),
            "retain_until": .string(RFC3339.zuluString(letter.retainUntil)),
        ]
    }

    func statusBody() async throws -> JSONValue {
        let snapshot = status.snapshot
        let runtimes = tenants.all
        let counts = try await store.queueCounts()
        let entries: [JSONValue] = runtimes.map { runtime in
            let main = runtime.main
            return [
                "tenant": .string(runtime.tenant),
                "pack_id": .string(main.packID),
                "version": .string(main.version),
                "digest": .string(main.digest),
                "overlays": .array(
                    runtime.packs.dropFirst().map {
                        ["pack_id": .string($0.packID), "version": .string($0.version), "digest": .string($0.digest)]
                    }
                ),
            ]
        }
        return [
            "tenants": .array(entries),
            "active": .int(Int64(runtimes.count)),
            "last_reload": snapshot.lastReload.map { .string(RFC3339.zuluString($0)) } ?? .null,
            "last_error": snapshot.lastError.map(JSONValue.string) ?? .null,
            "tenant_errors": .object(snapshot.tenantErrors.mapValues(JSONValue.string)),
            "outbox": [
                "pending": .int(Int64(counts.outbox.pending)), "in_flight": .int(Int64(counts.outbox.inFlight)),
                "dead": .int(Int64(counts.outbox.dead)),
            ],
            "inbox": [
                "pending": .int(Int64(counts.inbox.pending)), "in_flight": .int(Int64(counts.inbox.inFlight)),
                "failed": .int(Int64(counts.inbox.failed)),
            ],
        ]
    }
}
