internal import Foundation

/// An OAuth access token for a cloud secrets backend, fetched when missing or within a minute
/// of expiring, and shared: concurrent callers wait for one fetch.
actor AccessTokenSource {
    /// A fetched token and how many seconds it lives.
    typealias Fetch = @Sendable () async throws(SecretsError) -> (token: String, expiresIn: Double)

    private let fetch: Fetch
    private let now: @Sendable () -> Date
    private var current: (token: String, expires: Date)?
    /// Callers waiting for the fetch in flight; `nil` when none is.
    private var waiters: [CheckedContinuation<Result<String, SecretsError>, Never>]?

    init(now: @escaping @Sendable () -> Date, fetch: @escaping Fetch) {
        self.now = now
        self.fetch = fetch
    }

    /// A token valid for at least another minute.
    func token() async throws(SecretsError) -> String {
        if let current, current.expires.timeIntervalSince(now()) > 60 { return current.token }
        if waiters != nil {
            // No suspension between the check and the append: the fetch in flight resumes it.
            return try await withCheckedContinuation { (continuation: CheckedContinuation<Result<String, SecretsError>, Never>) in
                if waiters == nil {
                    let ready: Result<String, SecretsError> =
                        current.map { .success($0.token) } ?? .failure(SecretsError("no access token"))
                    continuation.resume(returning: ready)
                } else {
                    waiters?.append(continuation)
                }
            }.get()
        }
        waiters = []
        let result: Result<String, SecretsError>
        do {
            let fetched = try await fetch()
            current = (fetched.token, now().addingTimeInterval(fetched.expiresIn))
            result = .success(fetched.token)
        } catch {
            result = .failure(error)
        }
        let waiting = waiters ?? []
        waiters = nil
        for waiter in waiting { waiter.resume(returning: result) }
        return try result.get()
    }
}
