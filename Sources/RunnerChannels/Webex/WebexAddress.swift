public import RunnerIngress

/// Where a Webex reply goes: a room, in the thread when the message was in one.
public struct WebexAddress: ReplyAddress {
    public var roomID: String
    public var parentID: String?

    public init(roomID: String, parentID: String? = nil) {
        self.roomID = roomID
        self.parentID = parentID
    }

    public var conversation: String { roomID }

    private enum CodingKeys: String, CodingKey {
        case roomID = "room_id"
        case parentID = "parent_id"
    }
}
