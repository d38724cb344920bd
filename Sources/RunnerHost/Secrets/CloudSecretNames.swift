/// How a cloud backend names the secret `name` of `tenant`: `<prefix><tenant><separator><name>`
/// with every character the service does not allow turned into `-`.
///
/// GCP Secret Manager allows letters, digits, `-` and `_` (separator `__`); Azure Key Vault
/// allows letters, digits and `-`, and compares names without regard to case (separator `--`).
/// Since the conversion can make two configured (tenant, name) pairs collide, the host checks
/// every pair its bindings and channels can ask for at startup (``validate(_:credentialNames:)``).
public struct CloudSecretNames: Sendable, Hashable {
    public var prefix: String
    public var separator: String
    /// Whether `_` is kept (GCP) or turned into `-` (Azure).
    public var allowsUnderscore: Bool
    /// Whether the service compares names without regard to case (Azure).
    public var caseInsensitive: Bool
    public var maxLength: Int

    public static func gcp(prefix: String) -> Self {
        Self(prefix: prefix, separator: "__", allowsUnderscore: true, caseInsensitive: false, maxLength: 255)
    }

    public static func azure(prefix: String) -> Self {
        Self(prefix: prefix, separator: "--", allowsUnderscore: false, caseInsensitive: true, maxLength: 127)
    }

    /// The service's name for secret `name` of `tenant`.
    public func name(tenant: String, name: String) -> String {
        convert(prefix) + convert(tenant) + separator + convert(name)
    }

    private func convert(_ text: String) -> String {
        String(
            text.unicodeScalars.map { scalar -> Character in
                let allowed =
                    ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
                    || (allowsUnderscore && scalar == "_")
                return allowed ? Character(scalar) : "-"
            }
        )
    }

    /// Refuses names the service would not take and pairs that would share one secret.
    func validate(_ bindings: [TenantBindings], credentialNames: Set<String>) throws(ConfigurationError) {
        var seen: [String: (tenant: String, name: String)] = [:]
        for tenant in bindings.sorted(by: { $0.tenant < $1.tenant }) {
            for secret in tenant.allowedSecrets.union(credentialNames).sorted() {
                let mapped = name(tenant: tenant.tenant, name: secret)
                guard mapped.count <= maxLength else {
                    throw ConfigurationError(
                        "secret \(secret) of tenant \(tenant.tenant) would be named \(mapped), longer than \(maxLength) characters"
                    )
                }
                let key = caseInsensitive ? mapped.lowercased() : mapped
                if let other = seen[key] {
                    throw ConfigurationError(
                        "secret \(other.name) of tenant \(other.tenant) and secret \(secret) of tenant \(tenant.tenant) would both be \(mapped); rename one"
                    )
                }
                seen[key] = (tenant.tenant, secret)
            }
        }
    }
}
