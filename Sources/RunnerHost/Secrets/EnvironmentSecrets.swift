internal import RunnerIngress

/// `SECRETS_BACKEND=env`: a tenant's secrets are environment variables named per tenant.
///
/// A flow of tenant `acme` reading `weather_api_key` gets `GREENTIC_SECRET_ACME_WEATHER_API_KEY`
/// (upper-cased, every character other than a letter or digit becomes `_`). Scoping the name
/// keeps tenants apart and keeps the runner's own variables (`ADMIN_TOKEN`,
/// `TELEGRAM_BOT_TOKEN`, …) out of reach of tenant code, which the original exposed. Only names
/// the tenant's bindings list under `secrets` are looked up at all. The environment is a
/// snapshot taken at startup; values are never logged.
struct EnvironmentSecrets: Sendable {
    let environment: [String: String]

    /// The variable that holds secret `name` of `tenant`.
    static func variableName(tenant: String, name: String) -> String {
        "GREENTIC_SECRET_\(normalize(tenant))_\(normalize(name))"
    }

    /// Every allowed secret of `bindings` that is set, by the name the flow uses.
    func secrets(for bindings: TenantBindings) -> [String: String] {
        var values: [String: String] = [:]
        for name in bindings.allowedSecrets {
            if let value = environment[Self.variableName(tenant: bindings.tenant, name: name)] { values[name] = value }
        }
        return values
    }

    /// The channel credentials of `tenant`: `GREENTIC_SECRET_<TENANT>_<NAME>`, else the global
    /// variable `<NAME>` (the runner's own settings, such as `SLACK_SIGNING_SECRET`; flows never
    /// see these unless their bindings list them).
    func channelCredentials(tenant: String) -> ChannelCredentials {
        let environment = self.environment
        return ChannelCredentials { name in
            if let scoped = environment[Self.variableName(tenant: tenant, name: name)], !scoped.isEmpty { return scoped }
            return environment[name]
        }
    }

    private static func normalize(_ text: String) -> String {
        String(
            text.uppercased().unicodeScalars.map { scalar -> Character in
                ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
            }
        )
    }
}
