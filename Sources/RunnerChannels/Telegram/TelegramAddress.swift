public import RunnerIngress

/// Where a Telegram reply goes: a chat, and for a button press the callback query to answer.
public struct TelegramAddress: ReplyAddress {
    public var chatID: Int64
    /// The pressed button's callback query, answered with `answerCallbackQuery`.
    public var callbackQueryID: String?

    public init(chatID: Int64, callbackQueryID: String? = nil) {
        self.chatID = chatID
        self.callbackQueryID = callbackQueryID
    }

    public var conversation: String { String(chatID) }

    /// Groups and channels have negative chat ids.
    public var isGroup: Bool { chatID < 0 }

    private enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case callbackQueryID = "callback_query_id"
    }
}
