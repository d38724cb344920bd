internal import Foundation
internal import RunnerCore
internal import RunnerIngress

/// Turns a flow's output into outbox rows: the canonical replies (``OutboundMessage/replies(from:)``),
/// each split by its channel into one-API-call messages, addressed to the event's reply target.
struct ReplyPlanner: Sendable {
    let channels: ChannelRegistry
    /// Most rows one event may queue (the original's limit was 32 egress steps).
    let maxRepliesPerEvent: Int

    /// A flow asked for more replies than one event may send.
    struct TooManyReplies: Error, CustomStringConvertible {
        let count: Int
        let limit: Int
        var description: String { "the flow produced \(count) replies; at most \(limit) per event" }
    }

    /// The outbox rows for `output`, in order; none when the event has no reply target.
    ///
    /// - Parameters:
    ///   - runID: makes the row ids unique; the sequence number orders them.
    func plan(
        _ output: JSONValue,
        tenant: String,
        target: ReplyTarget?,
        runID: String,
        now: Date
    ) throws(TooManyReplies) -> [OutboxMessage] {
        guard let target else { return [] }
        let channel = channels[target.provider]
        let messages = OutboundMessage.replies(from: output).flatMap { channel?.deliverable($0) ?? [$0] }
        guard messages.count <= maxRepliesPerEvent else { throw TooManyReplies(count: messages.count, limit: maxRepliesPerEvent) }
        return Self.rows(messages, tenant: tenant, target: target, idPrefix: runID, now: now)
    }

    /// Outbox rows for `messages` to `target`, numbered in order.
    static func rows(_ messages: [OutboundMessage], tenant: String, target: ReplyTarget, idPrefix: String, now: Date) -> [OutboxMessage] {
        messages.enumerated().compactMap { sequence, message in
            guard let json = try? JSONValue(encoding: message) else { return nil }
            return OutboxMessage(
                id: "\(idPrefix)-\(sequence)",
                tenant: tenant,
                target: target,
                message: json,
                createdAt: now,
                sequence: sequence
            )
        }
    }
}
