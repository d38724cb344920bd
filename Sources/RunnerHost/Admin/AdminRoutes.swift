internal import Hummingbird
internal import RunnerCore

/// `GET /admin/packs/status` and `POST /admin/packs/reload` (reference §9.4), behind
/// ``AdminAuthMiddleware``.
struct AdminRoutes {
    let status: HostStatus
    let tenants: ActiveTenants
    let requestReload: @Sendable () -> Void
    let token: String?

    func register(on router: Router<RunnerRequestContext>) {
        let admin = router.group("/admin").add(middleware: AdminAuthMiddleware(token: token))
        admin.get("/packs/status") { _, _ in
            Response.json(200, statusBody())
        }
        admin.post("/packs/reload") { _, _ in
            requestReload()
            return Response.json(202, ["status": "reload requested"])
        }
    }

    func statusBody() -> JSONValue {
        let snapshot = status.snapshot
        let runtimes = tenants.all
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
        ]
    }
}
