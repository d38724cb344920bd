import NIOCore
import NIOPosix

/// One HTTP/1.1 request over a connection of its own, written as raw bytes and read until the
/// status line: for fuzzing, where the server may answer early (413, 401) and close while the
/// body is still being sent. AsyncHTTPClient 1.37 can trap on that race (a precondition in
/// `HTTPRequestStateMachine.headSent` when the channel's writability flips while a streamed
/// body waits for its head), which takes the whole test process down.
enum RawHTTPClient {
    struct NoStatusLine: Error, CustomStringConvertible {
        let received: String
        var description: String { "the server sent no HTTP status line (got \(received.debugDescription))" }
    }

    /// The response's status code.
    static func status(port: Int, method: String, path: String, headers: [(String, String)], body: [UInt8]) async throws -> Int {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        var bytes = ByteBuffer(string: request)
        bytes.writeBytes(body)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            // A server that answered early may close before taking the whole body: the answer
            // is still there to read.
            try? await outbound.write(bytes)
            var received = ByteBuffer()
            do {
                for try await chunk in inbound {
                    received.writeImmutableBuffer(chunk)
                    if let status = statusCode(in: received) { return status }
                }
            } catch {
                if let status = statusCode(in: received) { return status }
                throw error
            }
            guard let status = statusCode(in: received) else {
                throw NoStatusLine(received: String(decoding: received.readableBytesView.prefix(200), as: UTF8.self))
            }
            return status
        }
    }

    /// The code of a complete `HTTP/1.1 NNN …` status line at the start of `buffer`.
    private static func statusCode(in buffer: ByteBuffer) -> Int? {
        let bytes = Array(buffer.readableBytesView.prefix(64))
        guard let end = bytes.firstIndex(of: UInt8(ascii: "\r")) else { return nil }
        let line = String(decoding: bytes[..<end], as: UTF8.self).split(separator: " ")
        guard line.count >= 2, line[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(line[1])
    }
}
