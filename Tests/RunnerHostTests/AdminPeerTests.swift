import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import RunnerCore
import Synchronization
import Testing

@testable import RunnerHost

/// The admin routes as registered on the host's router, asked from a given TCP peer: without
/// a token only loopback peers get in, and a forwarded-for header changes nothing.
@Suite("Admin access by peer address")
struct AdminPeerTests {
    /// Sends `POST /admin/packs/reload` through the router as if from `peer`; returns the status
    /// and whether the reload was requested.
    func reload(from peer: String, token: String? = nil, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, Bool) {
        let requested = Mutex(false)
        let router = Router(context: RunnerRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        AdminRoutes(
            status: HostStatus(),
            tenants: ActiveTenants(),
            store: InMemoryRunnerStore(),
            requestReload: { requested.withLock { $0 = true } },
            outboxNudge: {},
            token: token
        ).register(on: router)
        let channel = EmbeddedChannel()
        try await channel.connect(to: try SocketAddress(ipAddress: peer, port: 40_000)).get()
        let context = RunnerRequestContext(source: .init(channel: channel, logger: Logger(label: "test.admin")))
        #expect(context.remoteAddress?.ipAddress == peer)
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "runner", path: "/admin/packs/reload", headerFields: headers),
            body: .init(buffer: ByteBuffer())
        )
        let response = try await router.buildResponder().respond(to: request, context: context)
        return (response.status, requested.withLock { $0 })
    }

    @Test func withoutATokenOnlyLoopbackPeersMayReload() async throws {
        #expect(try await reload(from: "127.0.0.1") == (.accepted, true))
        #expect(try await reload(from: "::1") == (.accepted, true))
        #expect(try await reload(from: "192.0.2.10") == (.forbidden, false))
        #expect(try await reload(from: "2001:db8::1") == (.forbidden, false))
        #expect(try await reload(from: "10.0.0.1", headers: [HTTPField.Name("X-Forwarded-For")!: "127.0.0.1"]) == (.forbidden, false))
    }

    @Test func withATokenThePeerDoesNotMatterButTheTokenDoes() async throws {
        #expect(try await reload(from: "192.0.2.10", token: "t0ken", headers: [.authorization: "Bearer t0ken"]) == (.accepted, true))
        #expect(try await reload(from: "127.0.0.1", token: "t0ken") == (.unauthorized, false))
        #expect(try await reload(from: "127.0.0.1", token: "t0ken", headers: [.authorization: "Bearer t0ke"]) == (.unauthorized, false))
    }
}
