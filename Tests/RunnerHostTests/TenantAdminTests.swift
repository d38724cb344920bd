import Foundation
import NIOHTTP1
import RunnerCore
import RunnerHost
import RunnerTestSupport
import Testing

/// The tenant and session admin routes, on the stores a single node runs on.
@Suite("Tenant admin")
struct TenantAdminTests {
    static func post(_ client: LiveClient, _ flow: String, _ text: String, tenant: String, user: String) async throws -> String {
        try await client.post("/webhook/\(flow)", text, headers: [("x-greentic-tenant", tenant), ("X-Greentic-Session", user)]).text
    }

    @Test(arguments: ["sqlite", "memory"])
    func listInspectAndEraseAcrossTwoTenants(_ storeKind: String) async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let pack = TestPack(flows: [TestFlows.signup, TestFlows.hello], components: ["greeter": try TestComponents.greeter])
        try deployment.deploy(tenants: ["demo": pack, "acme": pack])
        var configuration = deployment.configuration(
            bindings: [
                try deployment.bindings(demoBindings),
                try deployment.bindings(demoBindings.replacingOccurrences(of: "tenant: demo", with: "tenant: acme"), tenant: "acme"),
            ],
            store: storeKind == "memory" ? .memory : nil
        )
        configuration.tenancy = .init(resolver: .header, defaultTenant: "demo")
        configuration.admin.token = "root"
        let admin = [("Authorization", "Bearer root")]
        try await withLiveHost(configuration) { client async throws in
            // Ada and Bob pause in demo's signup; Ada also counts visits. Ada pauses in acme too.
            #expect(try await Self.post(client, "signup", "hi", tenant: "demo", user: "ada").contains("name?"))
            #expect(try await Self.post(client, "signup", "hi", tenant: "demo", user: "bob").contains("name?"))
            #expect(try await Self.post(client, "hello", "Ada", tenant: "demo", user: "ada") == "Hello, Ada! visit 1")
            #expect(try await Self.post(client, "hello", "Ada", tenant: "demo", user: "ada") == "Hello, Ada! visit 2")
            #expect(try await Self.post(client, "signup", "hi", tenant: "acme", user: "ada").contains("name?"))
            #expect(try await Self.post(client, "hello", "Ada", tenant: "acme", user: "ada") == "Hello, Ada! visit 1")

            #expect(try await client.get("/admin/tenants").status == 401, "behind the admin token")
            let list = try await client.get("/admin/tenants", headers: admin)
            #expect(list.status == 200)
            let tenants = try #require(try JSONValue(parsing: list.body)["tenants"]?.arrayValue)
            #expect(tenants.map { $0["tenant"] } == ["acme", "demo"])
            let demo = try #require(tenants.last)
            #expect(demo["loaded"] == true)
            #expect(demo["flows"] == ["hello", "signup"])
            #expect(demo["sessions_paused"] == 2)
            #expect(demo["outbox"] == ["pending": 0, "dead": 0])
            #expect(demo["packs"]?.arrayValue?.first?["pack_id"] == .string(pack.packID))
            #expect(tenants.first?["sessions_paused"] == 1)

            // Paged listing, then one session.
            let first = try JSONValue(parsing: try await client.get("/admin/tenants/demo/sessions?limit=1", headers: admin).body)
            #expect(first["sessions"]?.arrayValue?.map { $0["session_key"] } == ["demo:webhook:signup:ada"])
            #expect(first["sessions"]?.arrayValue?.first?["flow"] == "signup")
            #expect(first["sessions"]?.arrayValue?.first?["node"] == "done")
            #expect(first["sessions"]?.arrayValue?.first?["pack_version"] == .string(pack.version))
            #expect(first["sessions"]?.arrayValue?.first?["snapshot"] == nil, "the listing leaves snapshots out")
            let next = try #require(first["next"]?.stringValue)
            let second = try JSONValue(
                parsing: try await client.get("/admin/tenants/demo/sessions?limit=1&after=\(next)", headers: admin).body
            )
            #expect(second["sessions"]?.arrayValue?.map { $0["session_key"] } == ["demo:webhook:signup:bob"])
            #expect(second["next"] == .null)
            let one = try await client.get("/admin/tenants/demo/sessions/demo%3Awebhook%3Asignup%3Aada", headers: admin)
            #expect(one.status == 200)
            let flows = try #require(try JSONValue(parsing: one.body)["flows"]?.arrayValue)
            #expect(flows.count == 1)
            #expect(flows.first?["snapshot"]?["next_node"] == "done")

            // Erase Ada in demo: her paused signup and her visit count (the greeter's state, the one
            // scope with state) go; Bob and acme's Ada stay.
            let erased = try await client.request(.DELETE, "/admin/tenants/demo/users/ada", headers: admin)
            #expect(erased.status == 200)
            #expect(
                try JSONValue(parsing: erased.body) == [
                    "tenant": "demo", "user": "ada", "erased": ["resume_records": 1, "state_scopes": 1],
                ]
            )
            #expect(try await client.get("/admin/tenants/demo/sessions/demo:webhook:signup:ada", headers: admin).status == 404)
            #expect(try await Self.post(client, "signup", "Ada", tenant: "demo", user: "ada").contains("name?"), "a fresh conversation")
            #expect(try await Self.post(client, "hello", "Ada", tenant: "demo", user: "ada") == "Hello, Ada! visit 1")
            #expect(try await Self.post(client, "signup", "Bob", tenant: "demo", user: "bob") == "welcome Bob")
            #expect(try await Self.post(client, "signup", "Ada", tenant: "acme", user: "ada") == "welcome Ada")
            #expect(try await Self.post(client, "hello", "Ada", tenant: "acme", user: "ada") == "Hello, Ada! visit 2")

            // One session by its key; erasing again finds nothing and still succeeds.
            let session = try await client.request(.DELETE, "/admin/tenants/demo/sessions/demo%3Awebhook%3Asignup%3Aada", headers: admin)
            #expect(try JSONValue(parsing: session.body)["erased"] == ["resume_records": 1, "state_scopes": 0])
            let again = try await client.request(.DELETE, "/admin/tenants/demo/users/ada", headers: admin)
            #expect(try JSONValue(parsing: again.body)["erased"] == ["resume_records": 0, "state_scopes": 1])

            // Bad input.
            #expect(try await client.get("/admin/tenants/a%20b/sessions", headers: admin).status == 400)
            #expect(try await client.get("/admin/tenants/demo/sessions?limit=0", headers: admin).status == 400)
            #expect(try await client.get("/admin/tenants/demo/sessions?after=%7B", headers: admin).status == 400)
            #expect(try await client.request(.DELETE, "/admin/tenants/demo/users/%00", headers: admin).status == 400)
        }
    }
}
