public import Foundation
public import RunnerCore

/// The one shape every provider's message is turned into: the flow's `input` (reference §8.2).
///
/// Its JSON has exactly the original's keys: `locale` and `text` are always present (possibly
/// `null`), `entities` and `metadata` carry the original's fixed values, and `provider_ids`
/// lists only the ids that are set. Session scopes are sorted (the original's were in random
/// order).
public struct CanonicalMessage: Sendable, Hashable {
    public var tenant: String
    public var provider: String
    public var providerIDs: ProviderIDs
    public var sessionScopes: [String]
    public var timestamp: Date
    public var locale: String?
    public var text: String?
    public var attachments: [Attachment]
    public var buttons: [Button]
    public var channelData: JSONValue
    public var raw: JSONValue

    /// A file, image or card attached to a message.
    public struct Attachment: Sendable, Hashable {
        /// `image`, `audio`, `video`, `file` or `card`.
        public var type: String
        public var name: String?
        public var mime: String?
        /// Size in bytes, `0` when unknown.
        public var size: Int64
        public var url: String?
        public var dataInlineBase64: String?

        public init(
            type: String,
            name: String? = nil,
            mime: String? = nil,
            size: Int64 = 0,
            url: String? = nil,
            dataInlineBase64: String? = nil
        ) {
            self.type = type
            self.name = name
            self.mime = mime
            self.size = size
            self.url = url
            self.dataInlineBase64 = dataInlineBase64
        }

        var json: JSONValue {
            .object([
                "type": .string(type), "name": name.map(JSONValue.string) ?? .null, "mime": mime.map(JSONValue.string) ?? .null,
                "size": .int(size), "url": url.map(JSONValue.string) ?? .null,
                "data_inline_b64": dataInlineBase64.map(JSONValue.string) ?? .null,
            ])
        }
    }

    /// A button the user pressed or can press.
    public struct Button: Sendable, Hashable {
        public var id: String
        public var title: String
        public var payload: String

        public init(id: String, title: String, payload: String) {
            self.id = id
            self.title = title
            self.payload = payload
        }

        var json: JSONValue { .object(["id": .string(id), "title": .string(title), "payload": .string(payload)]) }
    }

    public init(
        tenant: String,
        provider: String,
        providerIDs: ProviderIDs,
        sessionScopes: [String],
        timestamp: Date,
        locale: String? = nil,
        text: String? = nil,
        attachments: [Attachment] = [],
        buttons: [Button] = [],
        channelData: JSONValue = .object([:]),
        raw: JSONValue = .null
    ) {
        self.tenant = tenant
        self.provider = provider
        self.providerIDs = providerIDs
        self.sessionScopes = sessionScopes.sorted()
        self.timestamp = timestamp
        self.locale = locale
        self.text = text
        self.attachments = attachments
        self.buttons = buttons
        self.channelData = channelData
        self.raw = raw
    }

    /// The canonical session key of this message.
    public var sessionKey: String { providerIDs.sessionKey(tenant: tenant, provider: provider) }

    /// The payload as the flow sees it.
    public var json: JSONValue {
        .object([
            "tenant": .string(tenant),
            "provider": .string(provider),
            "provider_ids": providerIDs.json,
            "session": .object(["key": .string(sessionKey), "scopes": .array(sessionScopes.map(JSONValue.string))]),
            "timestamp": .string(RFC3339.chronoString(timestamp)),
            "locale": locale.map(JSONValue.string) ?? .null,
            "text": text.map(JSONValue.string) ?? .null,
            "attachments": .array(attachments.map(\.json)),
            "buttons": .array(buttons.map(\.json)),
            "entities": .object(["mentions": .array([]), "urls": .array([])]),
            "metadata": .object(["raw_headers": .object([:]), "ip": .null]),
            "channel_data": channelData.isNull ? .object([:]) : channelData,
            "raw": raw,
        ])
    }
}
