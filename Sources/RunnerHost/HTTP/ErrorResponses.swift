public import HTTPTypes
public import Hummingbird
internal import NIOCore
public import RunnerCore
public import RunnerIngress

/// The one place domain errors become HTTP answers: an ``IngressError`` keeps its status and
/// its message, as `{"error": …}`.
extension IngressError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: code.httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        .error(code.httpStatus, message)
    }
}

/// A store failure outside a channel route (the admin API): 503 with `Retry-After`, never a 500.
extension StoreError: HTTPResponseError {
    public var status: HTTPResponse.Status { .serviceUnavailable }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.error(503, "the store is unavailable; retry later")
        response.headers[.retryAfter] = "1"
        return response
    }
}
