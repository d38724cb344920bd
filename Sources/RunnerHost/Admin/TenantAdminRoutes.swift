internal import Foundation
internal import Hummingbird
internal import RunnerCore
internal import RunnerFlow

/// Tenant and session administration, inside the admin group (``AdminAuthMiddleware``):
///
/// - `GET /admin/tenants`: every loaded tenant (packs, flows) and every tenant with data in the
///   store, with its paused sessions and outbox;
/// - `GET /admin/tenants/{tenant}/sessions?limit=&after=`: paused conversations by session key,
///   a page at a time (`limit` 1–500, default 50; `next` is the `after` of the next page);
/// - `GET /admin/tenants/{tenant}/sessions/{key}`: one session's paused flows with their stored
///   snapshots (404 when none is paused);
/// - `DELETE /admin/tenants/{tenant}/sessions/{key}`: erases that session;
/// - `DELETE /admin/tenants/{tenant}/users/{user}`: erases every session of the user (keys
///   ending in `:<user>`), the data-protection request.
///
/// An erasure removes the resume records and the component state of every pack in the
/// sessions' scopes (``RunnerStore/eraseSessions(tenant:_:)``), answers 200 with what it
/// removed (zero when there was nothing, so a request can be repeated), and touches no other
/// tenant. Path segments are percent-decoded, so a key with `/` is sent as `%2F`.
struct TenantAdminRoutes {
    let tenants: ActiveTenants
    let store: any RunnerStore
    let now: @Sendable () -> Date

    func register(on admin: RouterGroup<RunnerRequestContext>) {
        admin.get("/tenants") { _, _ in
            Response.json(200, ["tenants": .array(try await tenantList())])
        }
        admin.get("/tenants/{tenant}/sessions") { request, context in
            let tenant = try Self.tenant(context)
            let query = request.uri.queryParameters
            let limit = query["limit"].map { Int(String($0)) } ?? 50
            guard let limit, (1...500).contains(limit) else { return Response.error(400, "limit must be an integer between 1 and 500") }
            var after: PausedSessionPage.Cursor?
            if let text = query["after"] {
                guard let cursor = Self.cursor(decoding: String(text)) else {
                    return Response.error(400, "after is not a cursor this API returned")
                }
                after = cursor
            }
            let page = try await store.pausedSessions(tenant: tenant, after: after, limit: limit, now: now())
            let runtime = tenants.runtime(for: tenant)
            return Response.json(
                200,
                [
                    "tenant": .string(tenant),
                    "sessions": .array(page.sessions.map { Self.json($0, runtime: runtime, snapshot: false) }),
                    "next": page.next.map { .string(Self.encode($0)) } ?? .null,
                ]
            )
        }
        admin.get("/tenants/{tenant}/sessions/{key}") { _, context in
            let tenant = try Self.tenant(context)
            let key = try Self.segment(context, "key")
            let records = try await sessionRecords(tenant: tenant, key: key)
            guard !records.isEmpty else { return Response.error(404, "no paused session \(key) of tenant \(tenant)") }
            let runtime = tenants.runtime(for: tenant)
            return Response.json(
                200,
                [
                    "tenant": .string(tenant), "session_key": .string(key),
                    "flows": .array(records.map { Self.json($0, runtime: runtime, snapshot: true) }),
                ]
            )
        }
        admin.delete("/tenants/{tenant}/sessions/{key}") { _, context in
            let tenant = try Self.tenant(context)
            let key = try Self.segment(context, "key")
            return Self.erased(
                try await store.eraseSessions(tenant: tenant, .key(key)),
                tenant: tenant,
                selector: ["session_key": .string(key)]
            )
        }
        admin.delete("/tenants/{tenant}/users/{user}") { _, context in
            let tenant = try Self.tenant(context)
            let user = try Self.segment(context, "user")
            return Self.erased(
                try await store.eraseSessions(tenant: tenant, .user(user)),
                tenant: tenant,
                selector: ["user": .string(user)]
            )
        }
    }

    /// Loaded tenants and tenants with data in the store, by name.
    private func tenantList() async throws -> [JSONValue] {
        let counts = try await store.tenantCounts(now: now())
        var runtimes: [String: TenantRuntime] = [:]
        for runtime in tenants.all { runtimes[runtime.tenant] = runtime }
        return Set(runtimes.keys).union(counts.keys).sorted().map { tenant in
            let runtime = runtimes[tenant]
            let count = counts[tenant] ?? TenantCounts()
            return [
                "tenant": .string(tenant),
                "loaded": .bool(runtime != nil),
                "packs": .array(
                    runtime?.packs.map { ["pack_id": .string($0.packID), "version": .string($0.version), "digest": .string($0.digest)] }
                        ?? []
                ),
                "flows": .array((runtime?.engine.flows.keys.sorted() ?? []).map(JSONValue.string)),
                "sessions_paused": .int(Int64(count.pausedSessions)),
                "outbox": ["pending": .int(Int64(count.outboxPending)), "dead": .int(Int64(count.outboxDead))],
            ]
        }
    }

    /// The live resume records of one session key (one per paused flow).
    private func sessionRecords(tenant: String, key: String) async throws -> [ResumeRecord] {
        var records: [ResumeRecord] = []
        var cursor = PausedSessionPage.Cursor(sessionKey: key, flowID: "")
        while true {
            let page = try await store.pausedSessions(tenant: tenant, after: cursor, limit: 50, now: now())
            let own = page.sessions.prefix { $0.key.sessionKey == key }
            records += own
            guard own.count == page.sessions.count, let next = page.next else { return records }
            cursor = next
        }
    }

    private static func erased(_ erasure: SessionErasure, tenant: String, selector: JSONValue) -> Response {
        var body: JSONValue = [
            "tenant": .string(tenant),
            "erased": ["resume_records": .int(Int64(erasure.resumeRecords)), "state_scopes": .int(Int64(erasure.stateScopes))],
        ]
        for (name, value) in selector.objectValue ?? [:] { body[name] = value }
        return Response.json(200, body)
    }

    static func json(_ record: ResumeRecord, runtime: TenantRuntime?, snapshot: Bool) -> JSONValue {
        let version = runtime?.packs.first { $0.digest == record.packDigest }?.version
        var body: JSONValue = [
            "session_key": .string(record.key.sessionKey),
            "flow": .string(record.key.flowID),
            "node": .string(record.nextNode),
            "reason": record.reason.map(JSONValue.string) ?? .null,
            "paused_at": .string(RFC3339.zuluString(record.createdAt)),
            "expires_at": .string(RFC3339.zuluString(record.expiresAt)),
            "pack_digest": .string(record.packDigest),
            "pack_version": version.map(JSONValue.string) ?? .null,
            "revision": .int(record.revision),
        ]
        if snapshot { body["snapshot"] = record.snapshot }
        return body
    }

    /// The `{tenant}` segment, a valid tenant name (400 otherwise).
    private static func tenant(_ context: RunnerRequestContext) throws -> String {
        let tenant = try segment(context, "tenant")
        guard TenantName.isValid(tenant) else { throw HTTPError(.badRequest, message: "\(tenant) is not a tenant name") }
        return tenant
    }

    /// A path segment, percent-decoded, non-empty and free of NUL (400 otherwise).
    private static func segment(_ context: RunnerRequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let value = raw.removingPercentEncoding, !value.isEmpty, !value.contains("\u{0}") else {
            throw HTTPError(.badRequest, message: "\(name) is not a valid path segment")
        }
        return value
    }

    /// `next`/`after`: base64url of the JSON array `[session key, flow id]`.
    static func encode(_ cursor: PausedSessionPage.Cursor) -> String {
        let json: JSONValue = [.string(cursor.sessionKey), .string(cursor.flowID)]
        return Data(json.serializedBytes()).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func cursor(decoding text: String) -> PausedSessionPage.Cursor? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let json = try? JSONValue(parsing: [UInt8](data)),
            let parts = json.arrayValue, parts.count == 2, let key = parts[0].stringValue, let flow = parts[1].stringValue
        else { return nil }
        return PausedSessionPage.Cursor(sessionKey: key, flowID: flow)
    }
}
