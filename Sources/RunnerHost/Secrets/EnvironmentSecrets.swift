/// `SECRETS_BACKEND=env`: a tenant's secrets are environment variables named per tenant.
///
/// Secret `weather_api_key` of tenant `acme` is `GREENTIC_SECRET_ACME__WEATHER_API_KEY`: the
/// tenant and the name upper-cased, every character other than a letter or digit turned into
/// `_`, joined by a double underscore. A tenant or name whose converted form has a double,
/// leading or trailing underscore would make that split ambiguous, and two tenants (or two
/// names of one tenant) that convert alike would read the same variable: the host refuses to
/// start with either (``validate(_:credentialNames:)``). Scoping keeps tenants apart and keeps
/// the runner's own variables (`ADMIN_TOKEN`, …) out of reach of tenant code. The environment
/// is a snapshot taken at startup; values are never logged.
public struct EnvironmentSecrets: SecretsProvider {
    let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The variable that holds secret `name` of `tenant`.
    public static func variableName(tenant: String, name: String) -> String {
        "GREENTIC_SECRET_\(normalize(tenant))__\(normalize(name))"
    }

    public func secret(_ name: String, tenant: String) async throws(SecretsError) -> String? {
        environment[Self.variableName(tenant: tenant, name: name)]
    }

    public func checkReachable() async throws(SecretsError) {}

    /// Refuses tenants and secret names that would share a variable or split ambiguously.
    ///
    /// - Parameters:
    ///   - bindings: every tenant's bindings (their `secrets` allow-lists).
    ///   - credentialNames: the channel credential names every tenant may have.
    static func validate(_ bindings: [TenantBindings], credentialNames: Set<String>) throws(ConfigurationError) {
        var tenants: [String: String] = [:]
        for tenant in bindings.map(\.tenant).sorted() {
            let converted = normalize(tenant)
            guard isUnambiguous(converted) else {
                throw ConfigurationError(
                    "tenant \(tenant) becomes \(converted) in GREENTIC_SECRET_ variable names, which cannot be told apart from the secret name; rename the tenant or choose another SECRETS_BACKEND"
                )
            }
            if let other = tenants[converted] {
                throw ConfigurationError(
                    "tenants \(other) and \(tenant) would read the same GREENTIC_SECRET_\(converted)__… variables; rename one or choose another SECRETS_BACKEND"
                )
            }
            tenants[converted] = tenant
        }
        for tenant in bindings {
            var names: [String: String] = [:]
            for name in (tenant.allowedSecrets.union(credentialNames)).sorted() {
                let converted = normalize(name)
                guard isUnambiguous(converted) else {
                    throw ConfigurationError(
                        "secret \(name) of tenant \(tenant.tenant) becomes \(converted) in its variable name, which is ambiguous; rename it"
                    )
                }
                if let other = names[converted] {
                    throw ConfigurationError(
                        "secrets \(other) and \(name) of tenant \(tenant.tenant) would both read \(variableName(tenant: tenant.tenant, name: name)); rename one"
                    )
                }
                names[converted] = name
            }
        }
    }

    /// The variable name of releases before the double underscore, when it is set for a secret
    /// whose current variable is not: the host warns so an upgrade does not silently lose it.
    func legacyVariable(tenant: String, name: String) -> String? {
        let legacy = "GREENTIC_SECRET_\(Self.normalize(tenant))_\(Self.normalize(name))"
        guard environment[legacy] != nil, environment[Self.variableName(tenant: tenant, name: name)] == nil else { return nil }
        return legacy
    }

    private static func isUnambiguous(_ converted: String) -> Bool {
        !converted.isEmpty && !converted.hasPrefix("_") && !converted.hasSuffix("_") && !converted.contains("__")
    }

    private static func normalize(_ text: String) -> String {
        String(
            text.uppercased().unicodeScalars.map { scalar -> Character in
                ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
            }
        )
    }
}
