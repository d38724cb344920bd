public import RunnerIngress

/// Where a WhatsApp reply goes: from the business number that received the message, to its sender.
public struct WhatsAppAddress: ReplyAddress {
    public var phoneNumberID: String
    public var to: String

    public init(phoneNumberID: String, to: String) {
        self.phoneNumberID = phoneNumberID
        self.to = to
    }

    public var conversation: String { "\(phoneNumberID):\(to)" }

    private enum CodingKeys: String, CodingKey {
        case phoneNumberID = "phone_number_id"
        case to
    }
}
