public import Foundation
public import RunnerIngress
internal import Synchronization

/// The tenants' secrets as flows and channels see them, from one ``SecretsProvider``.
///
/// - Components read only the names their tenant's bindings list under `secrets`
///   (``componentSecrets(for:)``).
/// - A channel credential (`SLACK_SIGNING_SECRET`, …) is the tenant's own secret of that name
///   when the provider has one, else the global environment variable of the same name
///   (``channelCredentials(tenant:names:)``).
///
/// Answers are cached per (tenant, name): a value or an absence for ``Configuration/ttl`` and
/// ``Configuration/negativeTTL``, a backend failure for at most 5 s (so a backend that is down
/// is not asked again by every request); concurrent lookups of one entry share one backend
/// call. Values are never logged.
public final class TenantSecrets: Sendable {
    /// How long answers are kept.
    public struct Configuration: Sendable, Hashable {
        /// How long a value is used before the backend is asked again (`SECRETS_CACHE_TTL`).
        public var ttl: Duration
        /// How long "no such secret" is remembered (`SECRETS_NEGATIVE_CACHE_TTL`).
        public var negativeTTL: Duration

        public init(ttl: Duration = .seconds(300), negativeTTL: Duration = .seconds(30)) {
            self.ttl = ttl
            self.negativeTTL = negativeTTL
        }
    }

    /// The allowed secrets of one tenant, resolved for a run.
    public struct ComponentSecrets: Sendable, Hashable {
        /// The values found, by the name the flow uses.
        public var values: [String: String] = [:]
        /// The names whose backend could not answer, with why.
        public var unavailable: [String: String] = [:]
    }

    /// Longest time a backend failure is remembered.
    static let failureTTL: Duration = .seconds(5)
    /// How long a reachability probe's answer is used.
    static let probeTTL: TimeInterval = 10

    private let provider: any SecretsProvider
    private let environment: [String: String]
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let entries = Mutex<[Key: Entry]>([:])
    private let probe = Mutex<(ready: Bool, at: Date)?>(nil)

    private struct Key: Hashable {
        var tenant: String
        var name: String
    }

    private enum Entry {
        case answered(Result<String?, SecretsError>, expires: Date)
        case loading([CheckedContinuation<Result<String?, SecretsError>, Never>])
    }

    /// - Parameters:
    ///   - provider: the backend.
    ///   - environment: the global variables channel credentials fall back to.
    public init(
        provider: any SecretsProvider,
        environment: [String: String],
        configuration: Configuration = .init(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.provider = provider
        self.environment = environment
        self.configuration = configuration
        self.now = now
    }

    /// Secret `name` of `tenant` (cached).
    public func value(_ name: String, tenant: String) async throws(SecretsError) -> String? {
        let key = Key(tenant: tenant, name: name)
        let time = now()
        enum Step {
            case answered(Result<String?, SecretsError>)
            case wait
            case load
        }
        let step = entries.withLock { entries -> Step in
            switch entries[key] {
            case .answered(let result, let expires)? where expires > time:
                return .answered(result)
            case .loading?:
                return .wait
            default:
                entries[key] = .loading([])
                return .load
            }
        }
        switch step {
        case .answered(let result):
            return try result.get()
        case .wait:
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<String?, SecretsError>, Never>) in
                let ready = entries.withLock { entries -> Result<String?, SecretsError>? in
                    switch entries[key] {
                    case .loading(var waiters)?:
                        waiters.append(continuation)
                        entries[key] = .loading(waiters)
                        return nil
                    case .answered(let result, _)?:
                        return result
                    case nil:
                        return .failure(SecretsError("secret \(name) of tenant \(tenant): the lookup was abandoned"))
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
            return try result.get()
        case .load:
            let result: Result<String?, SecretsError>
            do {
                result = .success(try await provider.secret(name, tenant: tenant))
            } catch {
                result = .failure(error)
            }
            let lifetime: Duration =
                switch result {
                case .success(.some): configuration.ttl
                case .success(.none): configuration.negativeTTL
                case .failure: min(configuration.negativeTTL, Self.failureTTL)
                }
            let expires = now().addingTimeInterval(Self.seconds(lifetime))
            let waiters = entries.withLock { entries in
                defer { entries[key] = .answered(result, expires: expires) }
                if case .loading(let waiters)? = entries[key] { return waiters }
                return []
            }
            for waiter in waiters { waiter.resume(returning: result) }
            return try result.get()
        }
    }

    /// The secrets `bindings` allow its components to read; a name whose backend failed is
    /// listed as unavailable (a component asking for it fails its node with the reason).
    public func componentSecrets(for bindings: TenantBindings) async -> ComponentSecrets {
        var secrets = ComponentSecrets()
        for name in bindings.allowedSecrets {
            do {
                if let value = try await value(name, tenant: bindings.tenant) { secrets.values[name] = value }
            } catch {
                secrets.unavailable[name] = error.message
            }
        }
        return secrets
    }

    /// The credentials `names` of `tenant`: the tenant's own, else the global variable.
    ///
    /// - Throws: ``SecretsError`` when the backend cannot answer for one of them.
    public func channelCredentials(tenant: String, names: [String]) async throws(SecretsError) -> ChannelCredentials {
        var values: [String: String] = [:]
        for name in names {
            if let scoped = try await value(name, tenant: tenant), !scoped.isEmpty {
                values[name] = scoped
            } else if let global = environment[name] {
                values[name] = global
            }
        }
        return ChannelCredentials(values)
    }

    /// Whether the backend answered its last reachability check (made at most every 10 s).
    public func isReady() async -> Bool {
        let time = now()
        if let last = probe.withLock({ $0 }), time.timeIntervalSince(last.at) < Self.probeTTL, time >= last.at {
            return last.ready
        }
        let ready: Bool
        do {
            try await provider.checkReachable()
            ready = true
        } catch {
            ready = false
        }
        probe.withLock { $0 = (ready, time) }
        return ready
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// A tenant's credentials for one channel, by provider name (``TenantSecrets`` and the channel's
/// ``Channel/credentialNames``).
typealias ChannelCredentialLookup = @Sendable (_ tenant: String, _ provider: String) async throws(SecretsError) -> ChannelCredentials
