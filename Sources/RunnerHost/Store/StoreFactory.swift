internal import Foundation
public import Logging
public import RunnerCore
internal import RunnerStorePostgres
internal import RunnerStoreSQLite

/// Opens the store a `STORE_URL` names, chosen by the URL's scheme.
///
/// ``builtIn`` has `sqlite://PATH`, `postgres://…` (also `postgresql://`) and `memory://`. An
/// embedding application adds its own schemes (or replaces a built-in one) with
/// ``with(scheme:_:)`` and passes the factory to ``RunnerHost``; a store it already opened can be
/// served the same way:
///
/// ```swift
/// let stores = StoreFactory.builtIn.with(scheme: "app") { _ in .init(store: myStore, close: {}) }
/// ```
///
/// A store that needs something running beside its use (a connection pool) is served with
/// ``with(scheme:scoped:)``: its opener runs the host's body with the store and tears down
/// after it.
public struct StoreFactory: Sendable {
    /// An open store and how to close it (after the host stopped using it).
    public struct Opened: Sendable {
        public var store: any RunnerStore
        public var close: @Sendable () async throws -> Void

        public init(store: any RunnerStore, close: @escaping @Sendable () async throws -> Void) {
            self.store = store
            self.close = close
        }
    }

    /// Opens the store of one scheme; throws ``ConfigurationError`` for a URL it cannot use.
    public typealias Opener = @Sendable (_ url: RunnerHostConfiguration.Store) async throws -> Opened

    /// Runs `body` with the store of one scheme, which lives until `body` returns; throws
    /// ``ConfigurationError`` for a URL it cannot use. `logger` is the host's.
    public typealias ScopedOpener =
        @Sendable (
            _ url: RunnerHostConfiguration.Store,
            _ logger: Logger,
            _ body: (any RunnerStore) async throws -> Void
        ) async throws -> Void

    private var openers: [String: ScopedOpener] = [:]

    /// A factory with no schemes.
    public init() {}

    /// `sqlite://PATH` (WAL; the file's directory is created), `postgres://` and
    /// `postgresql://` (see `PostgresStoreConfiguration` for the URL's options; the schema is
    /// migrated on open) and `memory://` (nothing survives a restart).
    public static var builtIn: StoreFactory {
        StoreFactory()
            .with(scheme: "memory") { _ in Opened(store: InMemoryRunnerStore(), close: {}) }
            .with(scheme: "sqlite") { url, _, body in
                let path = url.location
                guard !path.isEmpty else { throw ConfigurationError("STORE_URL=\(url) needs a file path, e.g. sqlite://runner.sqlite") }
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
                do {
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                } catch {
                    throw ConfigurationError("STORE_URL: cannot create \(directory.path): \(error.localizedDescription)")
                }
                try await SQLiteRunnerStore.withStore(path: path) { store in try await body(store) }
            }
            .with(scheme: "postgres", scoped: openPostgres)
            .with(scheme: "postgresql", scoped: openPostgres)
    }

    private static func openPostgres(
        url: RunnerHostConfiguration.Store,
        logger: Logger,
        body: (any RunnerStore) async throws -> Void
    ) async throws {
        let configuration: PostgresStoreConfiguration
        do {
            configuration = try PostgresStoreConfiguration(url: url.url)
        } catch {
            throw ConfigurationError("STORE_URL=\(url): \(error)")
        }
        try await PostgresRunnerStore.withStore(configuration: configuration, logger: logger) { store in try await body(store) }
    }

    /// This factory with `open` serving `scheme` (case-insensitive), replacing any opener the
    /// scheme had. The host closes the opened store after its last use.
    public func with(scheme: String, _ open: @escaping Opener) -> StoreFactory {
        with(scheme: scheme) { url, _, body in
            let opened = try await open(url)
            do {
                try await body(opened.store)
            } catch {
                try? await opened.close()
                throw error
            }
            try await opened.close()
        }
    }

    /// This factory with `open` serving `scheme` (case-insensitive), replacing any opener the
    /// scheme had.
    public func with(scheme: String, scoped open: @escaping ScopedOpener) -> StoreFactory {
        var factory = self
        factory.openers[scheme.lowercased()] = open
        return factory
    }

    /// The schemes this factory opens, sorted.
    public var schemes: [String] { openers.keys.sorted() }

    /// Runs `body` with the store `url` names, open for `body`'s duration.
    ///
    /// - Throws: ``ConfigurationError`` for a scheme this factory does not have (naming the ones
    ///   it has), what the scheme's opener throws, or what `body` throws.
    public func withStore(
        _ url: RunnerHostConfiguration.Store,
        logger: Logger,
        _ body: (any RunnerStore) async throws -> Void
    ) async throws {
        guard let open = openers[url.scheme] else {
            let known = schemes.map { "\($0)://" }.joined(separator: ", ")
            throw ConfigurationError("STORE_URL=\(url): this runner has no store for \(url.scheme)://; it has \(known)")
        }
        try await open(url, logger, body)
    }
}
