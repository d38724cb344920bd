internal import Foundation
public import RunnerCore
internal import RunnerStoreSQLite

/// Opens the store a `STORE_URL` names, chosen by the URL's scheme.
///
/// ``builtIn`` has `sqlite://PATH` and `memory://`. An embedding application adds its own
/// schemes (or replaces a built-in one) with ``with(scheme:_:)`` and passes the factory to
/// ``RunnerHost``; a store it already opened can be served the same way:
///
/// ```swift
/// let stores = StoreFactory.builtIn.with(scheme: "app") { _ in .init(store: myStore, close: {}) }
/// ```
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

    private var openers: [String: Opener] = [:]

    /// A factory with no schemes.
    public init() {}

    /// `sqlite://PATH` (WAL; the file's directory is created) and `memory://` (nothing
    /// survives a restart).
    public static var builtIn: StoreFactory {
        StoreFactory()
            .with(scheme: "memory") { _ in Opened(store: InMemoryRunnerStore(), close: {}) }
            .with(scheme: "sqlite") { url in
                let path = url.location
                guard !path.isEmpty else { throw ConfigurationError("STORE_URL=\(url) needs a file path, e.g. sqlite://runner.sqlite") }
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
                do {
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                } catch {
                    throw ConfigurationError("STORE_URL: cannot create \(directory.path): \(error.localizedDescription)")
                }
                let store = try await SQLiteRunnerStore(path: path)
                return Opened(store: store, close: { try await store.close() })
            }
    }

    /// This factory with `open` serving `scheme` (case-insensitive), replacing any opener the
    /// scheme had.
    public func with(scheme: String, _ open: @escaping Opener) -> StoreFactory {
        var factory = self
        factory.openers[scheme.lowercased()] = open
        return factory
    }

    /// The schemes this factory opens, sorted.
    public var schemes: [String] { openers.keys.sorted() }

    /// Opens the store `url` names.
    ///
    /// - Throws: ``ConfigurationError`` for a scheme this factory does not have (naming the ones
    ///   it has), or what the scheme's opener throws.
    public func open(_ url: RunnerHostConfiguration.Store) async throws -> Opened {
        guard let open = openers[url.scheme] else {
            let known = schemes.map { "\($0)://" }.joined(separator: ", ")
            throw ConfigurationError("STORE_URL=\(url): this runner has no store for \(url.scheme)://; it has \(known)")
        }
        return try await open(url)
    }
}
