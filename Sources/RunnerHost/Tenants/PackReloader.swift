internal import Foundation
internal import Logging
internal import NIOPosix
internal import RunnerCore
internal import RunnerPacks
internal import ServiceLifecycle

/// Keeps the served tenants in step with the pack index.
///
/// A `Service`: ``run()`` loads once (``waitForInitialLoad()`` lets the server wait for it),
/// then reloads every `PACK_REFRESH_INTERVAL` and whenever ``requestReload()`` is called (the
/// admin route); reloads never overlap. Each reload reads the index and fetches each tenant's
/// packs (digest and index-signature checks only); a tenant whose digests did not change keeps
/// its runtime, the others are verified, compiled and rebuilt off the Swift concurrency pool.
/// The new set is swapped in one step, and requests in flight finish on the runtime they
/// started with. One bad tenant (bad index entry, missing bindings, unverifiable pack, broken
/// flow) keeps its previous version and does not block the others; an unreadable index keeps
/// the whole previous set. Cache files no runtime uses are evicted beyond the cache's bound.
final class PackReloader: Service, Sendable {
    private let indexLocation: String
    private let packSource: String
    private let bindings: [String: TenantBindings]
    private let loader: PackLoader
    private let builder: TenantRuntimeBuilder
    private let tenants: ActiveTenants
    private let status: HostStatus
    private let refreshInterval: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let loop = TriggeredLoop()
    private let initialReports: AsyncStream<Report>
    private let initialContinuation: AsyncStream<Report>.Continuation

    init(
        indexLocation: String,
        packSource: String,
        bindings: [String: TenantBindings],
        loader: PackLoader,
        builder: TenantRuntimeBuilder,
        tenants: ActiveTenants,
        status: HostStatus,
        refreshInterval: Duration,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.indexLocation = indexLocation
        self.packSource = packSource
        self.bindings = bindings
        self.loader = loader
        self.builder = builder
        self.tenants = tenants
        self.status = status
        self.refreshInterval = refreshInterval
        self.now = now
        self.logger = logger
        (self.initialReports, self.initialContinuation) = AsyncStream.makeStream(of: Report.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Waits until ``run()`` finished its first load, and returns its report (`nil` when the
    /// reloader stopped before loading).
    func waitForInitialLoad() async -> Report? {
        var iterator = initialReports.makeAsyncIterator()
        return await iterator.next()
    }

    /// Asks for a reload as soon as possible; requests made while one runs are coalesced.
    func requestReload() {
        loop.nudge()
    }

    func run() async throws {
        initialContinuation.yield(await reload())
        initialContinuation.finish()
        try await loop.run(every: refreshInterval) { _ in await reload() }
    }

    /// The outcome of one reload, for logs and tests.
    struct Report: Sendable {
        var rebuilt: [String] = []
        var unchanged: [String] = []
        var removed: [String] = []
        var errors: [String: String] = [:]
        var indexError: String?
    }

    /// Reloads once, now.
    @discardableResult
    func reload() async -> Report {
        var report = Report()
        let index: PackIndex
        do {
            let (parsed, rejected) = try await PackIndex.load(location: indexLocation, packSource: packSource)
            index = parsed
            for (tenant, error) in rejected { report.errors[tenant] = error.description }
        } catch {
            report.indexError = error.description
            status.recordFailure("pack index: \(error.description)")
            logger.error("pack reload failed: the index could not be read", metadata: ["error": .string(error.description)])
            return report
        }

        var next: [String: TenantRuntime] = [:]
        // Many tenants usually run the same pack versions: each is verified and built once per
        // reload and shared (failures too, so a broken pack fails each of its tenants at once).
        var built: [String: Result<BuiltPack, ConfigurationError>] = [:]
        // Tenants whose index entry is malformed keep serving their previous version.
        for tenant in report.errors.keys {
            if let current = tenants.runtime(for: tenant) { next[tenant] = current }
        }
        for tenant in index.tenantIDs {
            guard let packs = index.tenants[tenant] else { continue }
            let current = tenants.runtime(for: tenant)
            guard let tenantBindings = bindings[tenant] else {
                report.errors[tenant] = "no bindings file declares tenant \(tenant)"
                if let current { next[tenant] = current }
                continue
            }
            // Every pack pinned to the digest already served: nothing to read at all.
            if let current, current.digests.count == packs.allEntries.count,
                zip(packs.allEntries, current.digests).allSatisfy({ entry, served in
                    entry.digest.map { PackDigest.matches(expected: $0, actual: served) } ?? false
                })
            {
                next[tenant] = current
                report.unchanged.append(tenant)
                continue
            }
            do {
                var files: [FetchedPackFile] = []
                for entry in packs.allEntries {
                    files.append(try await loader.fetch(entry))
                }
                if let current, current.digests == files.map(\.digest) {
                    next[tenant] = current
                    report.unchanged.append(tenant)
                    continue
                }
                var packs: [BuiltPack] = []
                for file in files {
                    packs.append(try await build(file, for: tenant, sharing: &built))
                }
                next[tenant] = try builder.runtime(tenant: tenant, bindings: tenantBindings, packs: packs)
                report.rebuilt.append(tenant)
            } catch {
                report.errors[tenant] = "\(error)"
                if let current { next[tenant] = current }
            }
        }
        for runtime in tenants.all where next[runtime.tenant] == nil {
            report.removed.append(runtime.tenant)
        }
        for (tenant, error) in report.errors {
            logger.error(
                "tenant not reloaded; keeping its previous version if any",
                metadata: ["gt.tenant": .string(tenant), "error": .string(error)]
            )
        }
        tenants.replace(with: next)
        status.recordReload(at: now(), tenantErrors: report.errors, loadedTenants: next.count)
        let cache = loader.cache
        let inUse = tenants.digestsInUse
        _ = try? await NIOThreadPool.singleton.runIfActive { cache.evict(keeping: inUse) }
        if !report.rebuilt.isEmpty || !report.removed.isEmpty {
            logger.info(
                "pack reload completed",
                metadata: [
                    "rebuilt": .string(report.rebuilt.sorted().joined(separator: ",")),
                    "removed": .string(report.removed.sorted().joined(separator: ",")),
                ]
            )
        }
        return report
    }

    /// The built pack of `file`, from `built` when another tenant of this reload already built
    /// that digest under the same index name and version (which its warnings and errors name).
    private func build(
        _ file: FetchedPackFile,
        for tenant: String,
        sharing built: inout [String: Result<BuiltPack, ConfigurationError>]
    ) async throws -> BuiltPack {
        let key = "\(file.digest) \(file.entry.name) \(file.entry.version ?? "")"
        if let shared = built[key] {
            return try shared.mapError { ConfigurationError("tenant \(tenant): \($0.message)") }.get()
        }
        let resolved = try await loader.open(file)
        for warning in resolved.loaded.report.warnings {
            logger.warning("pack warning", metadata: ["gt.tenant": .string(tenant), "warning": .string(warning)])
        }
        do {
            let pack = try await builder.buildOffPool(.init(digest: resolved.digest, pack: resolved.loaded))
            built[key] = .success(pack)
            return pack
        } catch {
            built[key] = .failure(error)
            throw ConfigurationError("tenant \(tenant): \(error.message)")
        }
    }
}
