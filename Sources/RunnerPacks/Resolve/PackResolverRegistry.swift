/// Maps locator schemes to resolvers, and dispatches fetches by ``PackLocator/resolverScheme``.
///
/// ``standard(maxBytes:)`` registers ``FileResolver`` for `fs`; remote resolvers are added with
/// ``register(_:for:)``. A locator whose scheme has no resolver fails with
/// ``PackError/Code/locatorInvalid`` ("no resolver for scheme X").
public struct PackResolverRegistry: Sendable {
    private var resolvers: [String: any PackResolver]

    /// Creates a registry from scheme → resolver pairs (schemes are lower-cased).
    public init(resolvers: [String: any PackResolver] = [:]) {
        var normalized: [String: any PackResolver] = [:]
        for (scheme, resolver) in resolvers {
            normalized[scheme.lowercased()] = resolver
        }
        self.resolvers = normalized
    }

    /// A registry with the file resolver for `fs`.
    public static func standard() -> PackResolverRegistry {
        PackResolverRegistry(resolvers: ["fs": FileResolver()])
    }

    /// Registers `resolver` for `scheme`, replacing any earlier one.
    public mutating func register(_ resolver: any PackResolver, for scheme: String) {
        resolvers[scheme.lowercased()] = resolver
    }

    /// The schemes with a resolver, sorted.
    public var schemes: [String] { resolvers.keys.sorted() }

    /// The resolver for `locator`.
    ///
    /// - Throws: ``PackError/Code/locatorInvalid`` if none is registered for its scheme.
    public func resolver(for locator: PackLocator) throws(PackError) -> any PackResolver {
        guard let resolver = resolvers[locator.resolverScheme] else {
            throw PackError(
                code: .locatorInvalid,
                message: "no resolver for scheme \(locator.resolverScheme) (locator `\(locator.original)`); "
                    + "available: \(schemes.joined(separator: ", "))"
            )
        }
        return resolver
    }

    /// Fetches through the resolver for the request's locator.
    public func fetch(_ request: PackFetchRequest) async throws(PackError) -> PackFetchResult {
        try await resolver(for: request.locator).fetch(request)
    }
}
