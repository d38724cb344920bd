import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import RunnerHost
import RunnerTestSupport
import Synchronization
import Testing

/// Clients that never finish, and more clients than the server takes: neither stops the server
/// from serving the others.
@Suite("HTTP hardening")
struct HTTPHardeningTests {
    /// A raw TCP client that writes what it is told and records what it reads.
    final class RawClient: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let received = Mutex<[UInt8]>([])
        let channel: NIOLockedValueBox<(any Channel)?> = .init(nil)

        static func connect(port: Int) async throws -> RawClient {
            let client = RawClient()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) }
                }
                .connect(host: "127.0.0.1", port: port).get()
            client.channel.withLockedValue { $0 = channel }
            return client
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        }

        var text: String { String(decoding: received.withLock { $0 }, as: UTF8.self) }

        var isOpen: Bool { channel.withLockedValue { $0?.isActive ?? false } }

        func write(_ text: String) async throws {
            guard let channel = channel.withLockedValue({ $0 }) else { return }
            try await channel.writeAndFlush(ByteBuffer(string: text))
        }

        func close() async {
            try? await channel.withLockedValue({ $0 })?.close()
        }
    }

    static func withServer(
        _ adjust: @Sendable (inout RunnerHostConfiguration) -> Void,
        body: @Sendable (LiveClient) async throws -> Void
    ) async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        try deployment.deploy(TestPack(flows: [TestFlows.signup]))
        var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        adjust(&configuration)
        try await withLiveHost(configuration, body)
    }

    @Test func aClientThatNeverFinishesItsHeadersIsDisconnected() async throws {
        try await Self.withServer(
            { $0.http.idleTimeoutMs = 300 },
            body: { client in
                let slow = try await RawClient.connect(port: client.port)
                do {
                    try await slow.write("POST /webhook/signup HTTP/1.1\r\nHost: runner\r\nX-Slow: ")
                } catch {
                    // A loaded machine may take longer than the idle timeout to write: the
                    // server already closed the silent connection, which is the behaviour.
                    #expect(!slow.isOpen, "the write failed only because the server closed: \(error)")
                }
                #expect(try await eventually(timeout: .seconds(10)) { !slow.isOpen }, "closed after the idle timeout")
                #expect(try await client.post("/webhook/signup", "").status == 200, "others are served meanwhile")
            }
        )
    }

    @Test func aBodyThatNeverArrivesIsA408() async throws {
        try await Self.withServer(
            { $0.http.bodyTimeoutMs = 300 },
            body: { client in
                let slow = try await RawClient.connect(port: client.port)
                try await slow.write("POST /webhook/signup HTTP/1.1\r\nHost: runner\r\nContent-Length: 100\r\n\r\nonly part")
                #expect(try await eventually(timeout: .seconds(10)) { slow.text.hasPrefix("HTTP/1.1 408") }, "got: \(slow.text)")
                #expect(slow.text.contains(#"{"error":"the request body did not arrive within 300 ms"}"#))
                await slow.close()
            }
        )
    }

    @Test func connectionsBeyondTheCapWaitWithoutHarmingTheServer() async throws {
        try await Self.withServer(
            { $0.http.maxConnections = 2 },
            body: { client in
                let first = try await RawClient.connect(port: client.port)
                let second = try await RawClient.connect(port: client.port)
                try await first.write("GET /healthz HTTP/1.1\r\nHost: runner\r\n\r\n")
                #expect(try await eventually { first.text.contains("200 OK") })
                var waiting = HTTPClientRequest(url: "http://127.0.0.1:\(client.port)/healthz")
                waiting.method = .GET
                await #expect(throws: (any Error).self, "a third connection is not served while two are open") {
                    _ = try await HTTPClient.shared.execute(waiting, timeout: .milliseconds(500))
                }
                await first.close()
                await second.close()
                #expect(try await client.get("/healthz").status == 200, "served once a slot is free")
            }
        )
    }
}
