internal import Foundation
internal import Hummingbird
internal import NIOCore
internal import RunnerCore

/// Protects `/admin` (reference §9.3): with a token, `Authorization: Bearer <token>` (the scheme
/// in any case, RFC 7235) compared in constant time (401 otherwise); without one, loopback peers only (403 otherwise). The
/// peer is the TCP peer: `X-Forwarded-For` is never trusted.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = RunnerRequestContext
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let token {
            guard let bearer = BearerToken.parse(request.headers[.authorization]), ConstantTime.equals(bearer, token) else {
                return .error(401, "admin token required")
            }
            return try await next(request, context)
        }
        guard let peer = context.remoteAddress, Self.isLoopback(peer) else {
            return .error(403, "admin access restricted")
        }
        return try await next(request, context)
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4:
            return address.ipAddress?.hasPrefix("127.") ?? false
        case .v6:
            guard let ip = address.ipAddress?.lowercased() else { return false }
            return ip == "::1" || ip.hasPrefix("::ffff:127.")
        case .unixDomainSocket:
            return true
        }
    }
}
