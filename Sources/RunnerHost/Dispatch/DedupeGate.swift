internal import Foundation
internal import Logging
internal import RunnerCore
internal import RunnerIngress

/// The dedupe record of an event run inside its request: claim it, replay a recorded answer,
/// record the answer with the run's commit, or give the claim back.
struct DedupeGate: Sendable {
    let store: any RunnerStore
    let sessions: RunnerHostConfiguration.Sessions
    /// How long a claim holds before a redelivery may take it over.
    let leaseSeconds: Int

    /// A held claim.
    struct Claim: Sendable {
        let key: DedupeKey
        let token: ClaimToken
    }

    /// What the store said about an event.
    enum Decision: Sendable {
        /// The caller processes the event and must complete or release the claim.
        case claimed(Claim)
        /// The event was processed: answer with what was answered then.
        case replay(IngressResponse)
        /// Another request is processing it.
        case busy
        /// The store failed.
        case unavailable(StoreError)
    }

    func claim(_ key: DedupeKey, now: Date) async -> Decision {
        do {
            switch try await store.claim(key, leaseUntil: now.addingTimeInterval(Double(leaseSeconds)), now: now) {
            case .claimed(let token): return .claimed(Claim(key: key, token: token))
            case .completed(let response): return .replay(response)
            case .inProgress: return .busy
            }
        } catch {
            return .unavailable(error)
        }
    }

    /// The completion recording `response` as the event's answer, for the run's commit.
    func completion(_ claim: Claim, response: IngressResponse, now: Date) -> RunCommit.DedupeCompletion {
        RunCommit.DedupeCompletion(
            key: claim.key,
            token: claim.token,
            response: response,
            retainUntil: now.addingTimeInterval(Double(sessions.dedupeRetainSeconds))
        )
    }

    /// Gives the claim back so a provider retry processes the event (best effort: a claim
    /// that cannot be released expires with its lease).
    func release(_ claim: Claim) async {
        try? await store.release(claim.key, token: claim.token)
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
