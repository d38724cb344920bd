import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The benchmark's baseline: a bare Hummingbird route answering `POST /webhook/{flow}` with
/// fixed bytes (the runner's own response, captured by `benchmarks/run.sh`) and
/// `POST /slack/events` with an empty 200 (what the runner acknowledges a Slack event with), so
/// the runner's throughput can be reported as a ratio of what the HTTP stack alone does on this
/// machine.
///
/// The same process stands in for Slack's Web API in the Slack scenario (a second instance on
/// another port): `POST /api/chat.postMessage` answers `{"ok":true}` and counts, and
/// `GET /api/count` reports how many replies arrived.
///
/// Usage: greentic-bench-baseline PORT BODY_FILE CONTENT_TYPE
@main
struct BenchBaseline {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, let port = Int(arguments[1]), let body = FileManager.default.contents(atPath: arguments[2]) else {
            FileHandle.standardError.write(Data("usage: greentic-bench-baseline PORT BODY_FILE CONTENT_TYPE\n".utf8))
            exit(2)
        }
        let contentType = arguments[3]
        let bytes = ByteBuffer(bytes: Array(body))
        let ok = ByteBuffer(string: #"{"ok":true}"#)
        let replies = Atomic<Int>(0)
        let router = Router()
        router.on("/webhook/{flow}", method: .post) { request, _ -> Response in
            _ = try await request.body.collect(upTo: 512 * 1024)
            return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: bytes))
        }
        router.on("/slack/events", method: .post) { request, _ -> Response in
            _ = try await request.body.collect(upTo: 512 * 1024)
            return Response(status: .ok)
        }
        router.on("/api/chat.postMessage", method: .post) { request, _ -> Response in
            _ = try await request.body.collect(upTo: 512 * 1024)
            replies.add(1, ordering: .relaxed)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ok))
        }
        router.on("/api/count", method: .get) { _, _ -> String in
            String(replies.load(ordering: .relaxed))
        }
        var logger = Logger(label: "bench-baseline")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await app.runService()
    }
}
