internal import HTTPTypes
internal import Hummingbird
internal import NIOCore
internal import RunnerCore
internal import RunnerIngress

extension Response {
    /// A JSON response with sorted keys.
    static func json(_ status: Int, _ value: JSONValue) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }

    /// The `{"error": message}` body every route uses for failures.
    static func error(_ status: Int, _ message: String) -> Response {
        json(status, ["error": .string(message)])
    }

    /// An adapter's framework-free answer.
    init(_ response: IngressResponse) {
        var fields = HTTPFields()
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        self.init(
            status: HTTPResponse.Status(code: response.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
    }
}
