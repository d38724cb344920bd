public import Foundation
public import JWTKit
internal import NIOHTTP1
public import RunnerCore
internal import RunnerIngress

/// A cached JSON Web Key Set (RFC 7517) fetched over HTTP, for verifying JWTs with jwt-kit.
///
/// The set is fetched on first use, again once it is a day old, and at once when a token names
/// a key id the cache does not know, at most once a minute, so forged key ids cannot make the
/// runner hammer the issuer. While no keys are cached, or a day-old set is due, a failed fetch
/// is retried at most every 10 s; concurrent callers share one fetch. A failed fetch keeps the
/// keys already cached.
public actor JSONWebKeySet {
    /// Where the key set is published.
    public enum Source: Sendable {
        /// The key set's own URL (`TENANT_JWT_JWKS_URL`).
        case keySet(String)
        /// An OpenID Connect discovery document whose `jwks_uri` names the key set.
        case openIDMetadata(String)
    }

    /// One verification key of the set.
    public struct Key: Sendable {
        /// A collection holding only this key, as the default key.
        public let collection: JWTKeyCollection
        /// The key's JWK object as published (`kty`, `alg`, `endorsements`, …).
        public let document: JSONValue
    }

    /// Least time between two fetches while keys are missing or due.
    static let retrySeconds: Double = 10
    /// Least time between two fetches for an unknown key id.
    static let unknownKeyRetrySeconds: Double = 60
    /// How long a fetched set is used before it is fetched again.
    static let maxAgeSeconds: Double = 86_400

    private let client: ProviderHTTPClient
    private let source: Source
    private let keyTypes: Set<String>
    private let now: @Sendable () -> Date
    private var keys: [String: Key] = [:]
    private var fetchedAt: Date?
    private var lastAttempt: Date?
    /// Callers waiting for the fetch in flight; `nil` when none is.
    private var waiters: [CheckedContinuation<Void, Never>]?

    /// - Parameter keyTypes: the JWK `kty` values kept (`RSA`, `EC`, `OKP`); others are ignored.
    public init(client: ProviderHTTPClient, source: Source, keyTypes: Set<String>, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.source = source
        self.keyTypes = keyTypes
        self.now = now
    }

    /// The key with id `kid`, fetching the set when it is missing, due, or lacks that id.
    ///
    /// - Returns: `nil` when the set (fetched or cached) has no such key.
    /// - Throws: ``Unavailable`` when no key set could be fetched yet.
    public func key(_ kid: String) async throws(Unavailable) -> Key? {
        if fetchedAt.map({ now().timeIntervalSince($0) > Self.maxAgeSeconds }) ?? true {
            await refresh(unlessAttemptedWithin: Self.retrySeconds)
        }
        if keys[kid] == nil {
            await refresh(unlessAttemptedWithin: Self.unknownKeyRetrySeconds)
        }
        guard fetchedAt != nil else { throw Unavailable() }
        return keys[kid]
    }

    /// No key set could be fetched yet.
    public struct Unavailable: Error, Sendable {}

    /// Fetches the set unless a fetch started less than `interval` ago; a caller arriving while
    /// one is in flight waits for it instead of starting another.
    private func refresh(unlessAttemptedWithin interval: Double) async {
        if waiters != nil {
            // No suspension between the check and the append: the fetch in flight resumes it.
            await withCheckedContinuation { continuation in
                if waiters == nil { continuation.resume() } else { waiters?.append(continuation) }
            }
            return
        }
        if let lastAttempt, now().timeIntervalSince(lastAttempt) < interval { return }
        waiters = []
        await fetch()
        let waiting = waiters ?? []
        waiters = nil
        for waiter in waiting { waiter.resume() }
    }

    private func fetch() async {
        lastAttempt = now()
        let timeout = Duration.seconds(10)
        let setURL: String
        switch source {
        case .keySet(let url):
            setURL = url
        case .openIDMetadata(let url):
            guard case .success(let metadata) = await client.execute(.GET, url, timeout: timeout), metadata.status == 200,
                let url = metadata.json?["jwks_uri"]?.stringValue
            else { return }
            setURL = url
        }
        guard case .success(let response) = await client.execute(.GET, setURL, timeout: timeout), response.status == 200,
            let set = response.json?["keys"]?.arrayValue
        else { return }
        var fetched: [String: Key] = [:]
        for document in set {
            guard let type = document["kty"]?.stringValue, keyTypes.contains(type), let kid = document["kid"]?.stringValue else { continue }
            let collection = JWTKeyCollection()
            do {
                try await collection.add(jwk: try document.decode(as: JWK.self))
            } catch {
                continue
            }
            fetched[kid] = Key(collection: collection, document: document)
        }
        guard !fetched.isEmpty else { return }
        keys = fetched
        fetchedAt = now()
    }
}
