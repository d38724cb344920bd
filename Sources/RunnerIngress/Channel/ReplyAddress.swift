public import RunnerCore

/// A channel's typed reply address (a Telegram chat, a Slack channel and thread, a Bot
/// Framework conversation).
///
/// It travels through the outbox as JSON (``ReplyTarget``) and comes back typed to the
/// channel's ``Channel/send(_:to:context:)``; nothing in between re-parses it.
public protocol ReplyAddress: Codable, Hashable, Sendable {
    /// The ordering key: replies of one conversation are delivered in order and share its
    /// rate limit.
    var conversation: String { get }
}

extension ReplyAddress {
    /// The address as a ``ReplyTarget`` of `provider`.
    ///
    /// - Throws: ``IngressError`` (400) when the address cannot be encoded.
    public func target(provider: String) throws(IngressError) -> ReplyTarget {
        do {
            return ReplyTarget(provider: provider, conversation: conversation, address: try JSONValue(encoding: self))
        } catch {
            throw IngressError(.badRequest, "the reply address cannot be encoded: \(error)")
        }
    }

    /// Decodes an address written by ``target(provider:)``.
    public init(json: JSONValue) throws(DeliveryError) {
        do {
            self = try json.decode(as: Self.self)
        } catch {
            throw DeliveryError(.permanent, "the reply address is not a valid \(Self.self): \(error)")
        }
    }
}

/// The address type of channels that never reply through a provider API (the generic webhook).
public enum NoReplyAddress: ReplyAddress {
    public var conversation: String {
        switch self {}
    }

    public init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "this channel has no reply address"))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {}
    }
}
