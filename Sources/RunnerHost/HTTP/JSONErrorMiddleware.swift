internal import Hummingbird
internal import Logging
internal import NIOCore

/// Turns every error that escapes a route into a JSON `{"error": …}` response, so clients
/// never get an empty body or an internal message: HTTP errors keep their status (an unknown
/// route is 404, an oversize body 413), domain errors that map to HTTP (`ErrorResponses.swift`)
/// answer for themselves; anything else is a 500 logged with its details.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = RunnerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message =
                error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return .error(error.status.code, message)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return .error(413, "request body is too large")
        } catch {
            context.logger.error("unhandled error", metadata: ["error": .string("\(error)")])
            return .error(500, "internal error")
        }
    }
}
