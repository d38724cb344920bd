internal import Foundation
internal import RunnerCore
internal import RunnerIngress

/// Finds a request's tenant by the configured `TENANT_RESOLVER` mode (reference §9.2).
struct TenantResolution: Sendable {
    let mode: TenantResolver
    let defaultTenant: String
    /// Verifies the token of `jwt` mode; `nil` in the other modes.
    let token: TenantTokenVerifier?

    /// Whether the tenant comes from a verified token: a request that resolves at all is
    /// authenticated, so an unloaded tenant can be answered 404 at once.
    var isAuthenticated: Bool { mode == .jwt }

    /// The tenant for a request with these headers.
    ///
    /// - `env`: always the default tenant.
    /// - `host`: the first label of `Host` (`foo.example.com` → `foo`; the port is ignored);
    ///   the default when the header is missing or empty.
    /// - `header`: `x-greentic-tenant`, the default when missing or empty.
    /// - `jwt`: the tenant claim of the verified token (``TenantTokenVerifier``); 401 without one.
    func tenant(header: (String) -> String?) async throws(IngressError) -> String {
        switch mode {
        case .env:
            return defaultTenant
        case .host:
            guard let host = header("host")?.trimmingCharacters(in: .whitespaces), !host.isEmpty else { return defaultTenant }
            let withoutPort = host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? host
            let label = withoutPort.split(separator: ".", maxSplits: 1).first.map(String.init) ?? withoutPort
            return label.isEmpty ? defaultTenant : label.lowercased()
        case .header:
            guard let value = header("x-greentic-tenant")?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return defaultTenant
            }
            return value
        case .jwt:
            guard let token else { throw IngressError(.unavailable, "TENANT_RESOLVER=jwt is not configured") }
            return try await token.tenant(header: header)
        }
    }
}
