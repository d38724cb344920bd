/// One reply in the canonical reply shape: what a flow asks to send, whatever the provider.
///
/// Each channel maps it to its API (docs/channels.md has the table): the text, buttons the
/// user can press (their payload comes back as a button in the canonical payload), and
/// attachments by URL. An acknowledgement is not a message but a provider's "seen" signal
/// (Telegram's `answerCallbackQuery`), queued with the event itself.
public struct OutboundMessage: Codable, Hashable, Sendable {
    /// What the message is.
    public enum Kind: String, Codable, Hashable, Sendable {
        case message
        /// The provider's acknowledgement of the event (no content).
        case acknowledgement
    }

    /// A button: a reply (`payload` comes back) or a link (`url`).
    public struct Button: Codable, Hashable, Sendable {
        public var id: String
        public var title: String
        public var payload: String
        public var url: String?

        public init(id: String, title: String, payload: String, url: String? = nil) {
            self.id = id
            self.title = title
            self.payload = payload
            self.url = url
        }
    }

    /// A file by URL.
    public struct Attachment: Codable, Hashable, Sendable {
        /// `image`, `audio`, `video` or `file`.
        public var type: String
        public var url: String
        public var name: String?
        public var mime: String?

        public init(type: String, url: String, name: String? = nil, mime: String? = nil) {
            self.type = type
            self.url = url
            self.name = name
            self.mime = mime
        }
    }

    public var kind: Kind
    public var text: String?
    public var buttons: [Button]
    public var attachments: [Attachment]
    /// A provider text format: Telegram's `parse_mode` (`MarkdownV2`, `HTML`), Webex's `markdown`.
    public var format: String?

    public init(
        kind: Kind = .message,
        text: String? = nil,
        buttons: [Button] = [],
        attachments: [Attachment] = [],
        format: String? = nil
    ) {
        self.kind = kind
        self.text = text
        self.buttons = buttons
        self.attachments = attachments
        self.format = format
    }

    /// A text message.
    public static func text(_ text: String) -> OutboundMessage { OutboundMessage(text: text) }

    /// The provider's acknowledgement of an event.
    public static let acknowledgement = OutboundMessage(kind: .acknowledgement)

    /// This message as providers that carry one attachment per message send it: the text and
    /// buttons first (when there are any), then one message per attachment, in order.
    public var oneAttachmentEach: [OutboundMessage] {
        guard !attachments.isEmpty else { return [self] }
        var parts: [OutboundMessage] = []
        if text != nil || !buttons.isEmpty {
            parts.append(OutboundMessage(text: text, buttons: buttons, format: format))
        }
        parts += attachments.map { OutboundMessage(attachments: [$0]) }
        return parts
    }

    private enum CodingKeys: String, CodingKey {
        case kind, text, buttons, attachments, format
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .message
        text = try container.decodeIfPresent(String.self, forKey: .text)
        buttons = try container.decodeIfPresent([Button].self, forKey: .buttons) ?? []
        attachments = try container.decodeIfPresent([Attachment].self, forKey: .attachments) ?? []
        format = try container.decodeIfPresent(String.self, forKey: .format)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if kind != .message { try container.encode(kind, forKey: .kind) }
        try container.encodeIfPresent(text, forKey: .text)
        if !buttons.isEmpty { try container.encode(buttons, forKey: .buttons) }
        if !attachments.isEmpty { try container.encode(attachments, forKey: .attachments) }
        try container.encodeIfPresent(format, forKey: .format)
    }
}
