public import RunnerCore

extension OutboundMessage {
    /// The replies a flow output asks for (docs/channels.md, "the canonical reply shape"):
    ///
    /// - a string is one message with that text;
    /// - an array contributes each element, in order (nested arrays are flattened);
    /// - an object with a `messages` array contributes each element;
    /// - an object with `text`, `buttons` or `attachments` is one message
    ///   (`{"text"?, "buttons"?: [string | {"id"?, "title", "payload"?, "url"?}],
    ///   "attachments"?: [{"type"?, "url", "name"?, "mime"?}], "format"?}`; the original's
    ///   `parse_mode` is read as `format`);
    /// - anything else contributes nothing.
    ///
    /// This is the original's Telegram reply collection (reference §8.4), extended with
    /// buttons and attachments.
    public static func replies(from output: JSONValue) -> [OutboundMessage] {
        var replies: [OutboundMessage] = []
        collect(output, into: &replies, depth: 0)
        return replies
    }

    private static let maxDepth = 32

    private static func collect(_ value: JSONValue, into replies: inout [OutboundMessage], depth: Int) {
        guard depth < maxDepth else { return }
        switch value {
        case .string(let text):
            replies.append(.text(text))
        case .array(let elements):
            for element in elements { collect(element, into: &replies, depth: depth + 1) }
        case .object(let members):
            if let messages = members["messages"]?.arrayValue {
                for element in messages { collect(element, into: &replies, depth: depth + 1) }
            } else if let message = message(from: members) {
                replies.append(message)
            }
        default:
            break
        }
    }

    private static func message(from members: [String: JSONValue]) -> OutboundMessage? {
        let text = members["text"]?.stringValue
        let buttons = members["buttons"]?.arrayValue?.compactMap(button(from:)) ?? []
        let attachments = members["attachments"]?.arrayValue?.compactMap(attachment(from:)) ?? []
        guard text != nil || !buttons.isEmpty || !attachments.isEmpty else { return nil }
        return OutboundMessage(
            text: text,
            buttons: buttons,
            attachments: attachments,
            format: members["format"]?.stringValue ?? members["parse_mode"]?.stringValue
        )
    }

    private static func button(from value: JSONValue) -> Button? {
        if let title = value.stringValue {
            return Button(id: title, title: title, payload: title)
        }
        guard let title = value["title"]?.stringValue else { return nil }
        let id = value["id"]?.stringValue
        let payload = value["payload"]?.stringValue
        return Button(id: id ?? payload ?? title, title: title, payload: payload ?? id ?? title, url: value["url"]?.stringValue)
    }

    private static func attachment(from value: JSONValue) -> Attachment? {
        guard let url = value["url"]?.stringValue else { return nil }
        let mime = value["mime"]?.stringValue
        let type = value["type"]?.stringValue ?? mime.map(Attachment.type(forMIME:)) ?? "file"
        return Attachment(type: type, url: url, name: value["name"]?.stringValue, mime: mime)
    }
}

extension OutboundMessage.Attachment {
    /// `image`, `audio`, `video` by the MIME type's prefix, else `file`.
    public static func type(forMIME mime: String) -> String {
        let lowered = mime.lowercased()
        for prefix in ["image", "audio", "video"] where lowered.hasPrefix("\(prefix)/") {
            return prefix
        }
        return "file"
    }
}
