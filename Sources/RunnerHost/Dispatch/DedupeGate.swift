internal import Foundation
internal import RunnerCore
internal import RunnerIngress

/// The dedupe record of an event run inside its request: the answer recorded with the run's
/// commit, and the fixed answers for an event being processed or a store that is down.
struct DedupeGate: Sendable {
    let sessions: RunnerHostConfiguration.Sessions

    /// The completion recording `response` as the answer to `key`, for the run's commit.
    func completion(_ key: DedupeKey, response: IngressResponse, now: Date) -> RunCommit.DedupeCompletion {
        RunCommit.DedupeCompletion(
            key: key,
            hold: .unclaimed(now: now),
            response: response,
            retainUntil: now.addingTimeInterval(Double(sessions.dedupeRetainSeconds))
        )
    }

    /// 409 with `Retry-After`: the event is being processed by another request.
    static let busyResponse = IngressResponse(
        status: 409,
        headers: ["content-type": "application/json", "retry-after": "1"],
        body: JSONValue.object(["error": "this event is already being processed"]).serializedBytes()
    )

    /// 503 with `Retry-After`: the store cannot take the event now; nothing was recorded.
    static let unavailableResponse = IngressResponse(
        status: 503,
        headers: ["content-type": "application/json", "retry-after": "1"],
        body: JSONValue.object(["error": "the store is unavailable; retry later"]).serializedBytes()
    )
}
