package import RunnerCore

/// The channels a host serves, by provider name: the routes are registered from it and the
/// outbox delivers through it, so a channel added by an embedding application is served and
/// replied through exactly like a built-in one.
public struct ChannelRegistry: Sendable {
    private let channels: [String: AnyChannel]
    /// Provider names in registration order.
    public let providers: [String]

    /// - Parameter channels: a later channel replaces an earlier one of the same provider name
    ///   (an embedding application may replace a built-in channel).
    public init(_ channels: [any Channel]) {
        var byName: [String: AnyChannel] = [:]
        var order: [String] = []
        for channel in channels {
            if byName[channel.provider] == nil { order.append(channel.provider) }
            byName[channel.provider] = AnyChannel(channel)
        }
        self.channels = byName
        self.providers = order
    }

    /// The channel of `provider`.
    package subscript(provider: String) -> AnyChannel? { channels[provider] }

    /// Every channel, in registration order.
    package var all: [AnyChannel] { providers.compactMap { channels[$0] } }
}

/// A ``Channel`` with its address type erased: the address is decoded from the outbox's JSON
/// here, in one place.
package struct AnyChannel: Sendable {
    package let provider: String
    package let routes: [ChannelRoute]
    package let requiredCredentials: [String]
    package let credentialNames: [String]
    private let prepareInput: @Sendable (JSONValue, PrepareContext) async throws(PrepareError) -> PreparedInput
    private let split: @Sendable (OutboundMessage) -> [OutboundMessage]
    private let limit: @Sendable (JSONValue) -> RateLimit?
    private let sendMessage: @Sendable (OutboundMessage, JSONValue, DeliveryContext) async throws(DeliveryError) -> Void

    package init<C: Channel>(_ channel: C) {
        provider = channel.provider
        routes = channel.routes
        requiredCredentials = channel.requiredCredentials
        credentialNames = Array(Set(channel.requiredCredentials).union(channel.credentialNames)).sorted()
        prepareInput = { input, context throws(PrepareError) in try await channel.prepare(input, context: context) }
        split = { channel.deliverable($0) }
        limit = { json in (try? C.Address(json: json)).flatMap { channel.conversationLimit(for: $0) } }
        sendMessage = { message, json, context throws(DeliveryError) in
            try await channel.send(message, to: try C.Address(json: json), context: context)
        }
    }

    package func prepare(_ input: JSONValue, context: PrepareContext) async throws(PrepareError) -> PreparedInput {
        try await prepareInput(input, context)
    }

    package func deliverable(_ message: OutboundMessage) -> [OutboundMessage] { split(message) }

    package func conversationLimit(for address: JSONValue) -> RateLimit? { limit(address) }

    /// Decodes the stored message and address, then sends.
    package func send(_ message: JSONValue, to address: JSONValue, context: DeliveryContext) async throws(DeliveryError) {
        let decoded: OutboundMessage
        do {
            decoded = try message.decode(as: OutboundMessage.self)
        } catch {
            throw DeliveryError(.permanent, "the queued message is not a valid reply: \(error)")
        }
        try await sendMessage(decoded, address, context)
    }
}
