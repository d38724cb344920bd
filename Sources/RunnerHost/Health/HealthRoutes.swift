internal import Hummingbird
internal import RunnerCore

/// `GET /healthz` (always 200, reference §9.4; `secrets_ready` is the secrets backend's last
/// reachability check) and `GET /readyz` (503 until the first load).
struct HealthRoutes {
    let status: HostStatus
    let tenants: ActiveTenants
    let secrets: TenantSecrets

    func register(on router: Router<RunnerRequestContext>) {
        router.get("/healthz") { _, _ in
            let snapshot = status.snapshot
            let active = tenants.count
            let secretsReady = await secrets.isReady()
            let body: JSONValue = [
                "status": .string(active > 0 && secretsReady ? "ok" : "degraded"),
                "telemetry_ready": true,
                "secrets_ready": .bool(secretsReady),
                "active_packs": .int(Int64(active)),
                "last_reload": snapshot.lastReload.map { .string(RFC3339.zuluString($0)) } ?? .null,
                "last_error": snapshot.lastError.map(JSONValue.string) ?? .null,
            ]
            return Response.json(200, body)
        }
        router.get("/readyz") { _, _ in
            status.snapshot.ready && tenants.count > 0
                ? Response.json(200, ["status": "ready"]) : Response.json(503, ["status": "not ready"])
        }
    }
}
