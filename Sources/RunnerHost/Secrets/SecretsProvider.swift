/// Where tenants' secrets live (`SECRETS_BACKEND`): component secrets (`secret-get`) and the
/// channels' per-tenant credentials.
///
/// A provider answers for one (tenant, name) at a time; ``TenantSecrets`` caches its answers,
/// applies the bindings' allow-list and the global fallback of channel credentials. An
/// embedding application can pass its own provider to the host.
public protocol SecretsProvider: Sendable {
    /// The value of secret `name` of `tenant`, `nil` when the backend has no such secret.
    ///
    /// - Throws: ``SecretsError`` when the backend cannot answer (unreachable, refused, a file
    ///   that may not be read); never for a secret that simply does not exist.
    func secret(_ name: String, tenant: String) async throws(SecretsError) -> String?

    /// Checks that the backend can answer at all (`/healthz` reports it as `secrets_ready`).
    func checkReachable() async throws(SecretsError)
}

/// A secrets backend could not answer. The message never contains a secret value.
public struct SecretsError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
