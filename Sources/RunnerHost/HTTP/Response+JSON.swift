internal import HTTPTypes
internal import Hummingbird
internal import NIOCore
internal import RunnerCore
internal import RunnerIngress

extension Response {
    /// A JSON response with sorted keys.
    static func json(_ status: Int, _ value: JSONValue) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serializedBytes()))
        )
    }

    /// The `{"error": message}` body every route uses for failures.
    static func error(_ status: Int, _ message: String) -> Response {
        json(status, ["error": .string(message)])
    }

    /// Headers an adapter or a flow may not set: the server owns framing and connection
    /// management, and a wrong `content-length` would desynchronise a keep-alive connection.
    static let reservedHeaders: Set<String> = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
        "proxy-authenticate", "proxy-authorization", "date", "server",
    ]

    /// An adapter's framework-free answer. A status outside 200–599 (a custom adapter's or a
    /// flow's mistake) becomes a 500 rather than an invalid response.
    init(_ response: IngressResponse) {
        guard (200...599).contains(response.status) else {
            self = .error(500, "malformed response")
            return
        }
        var fields = HTTPFields()
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) where !Self.reservedHeaders.contains(name.lowercased()) {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        self.init(
            status: HTTPResponse.Status(code: response.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body))
        )
    }
}
