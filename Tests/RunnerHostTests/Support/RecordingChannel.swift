import Foundation
import RunnerCore
import RunnerIngress
import Synchronization

/// A channel whose sends are recorded and whose answers the test scripts: each send takes the
/// next scripted result (success when none is left), and may wait at a gate the test opens.
final class RecordingChannel: RunnerIngress.Channel, Sendable {
    struct Address: ReplyAddress {
        var chat: String
        var conversation: String { chat }
    }

    /// What a send does.
    enum Script: Sendable {
        case succeed
        case fail(DeliveryError)
    }

    let provider: String
    private let state = Mutex<(sent: [(chat: String, text: String, attempt: Int)], script: [String: [Script]])>(([], [:]))
    /// Sends wait here while closed (for concurrency tests).
    let gate = Gate()
    let limit: RateLimit?

    init(provider: String = "recording", conversationLimit: RateLimit? = nil) {
        self.provider = provider
        self.limit = conversationLimit
    }

    var routes: [ChannelRoute] { [] }
    var requiredCredentials: [String] { [] }

    /// Scripts the next sends of a message text.
    func script(_ text: String, _ results: Script...) {
        state.withLock { $0.script[text, default: []].append(contentsOf: results) }
    }

    /// Every send attempted, in order (failed ones included).
    var sent: [(chat: String, text: String, attempt: Int)] { state.withLock { $0.sent } }

    var sentTexts: [String] { sent.map(\.text) }

    func conversationLimit(for address: Address) -> RateLimit? { limit }

    func send(_ message: OutboundMessage, to address: Address, context: DeliveryContext) async throws(DeliveryError) {
        await gate.pass()
        let text = message.text ?? ""
        let result = state.withLock { state -> Script in
            state.sent.append((address.chat, text, context.attempt))
            guard var queue = state.script[text], !queue.isEmpty else { return .succeed }
            let next = queue.removeFirst()
            state.script[text] = queue
            return next
        }
        if case .fail(let error) = result { throw error }
    }

    /// A message to `chat` as the outbox stores it.
    func message(_ id: String, chat: String, text: String, tenant: String = "demo", createdAt: Date, sequence: Int = 0) -> OutboxMessage {
        OutboxMessage(
            id: id,
            tenant: tenant,
            target: ReplyTarget(provider: provider, conversation: chat, address: ["chat": .string(chat)]),
            message: ["text": .string(text)],
            createdAt: createdAt,
            sequence: sequence
        )
    }
}

/// An async gate: closed, `pass()` waits until `open()`.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>], arrived: Int)>((true, [], 0))

    func close() { state.withLock { $0.open = false } }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// How many callers reached the gate.
    var arrived: Int { state.withLock { $0.arrived } }

    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = state.withLock { state -> Bool in
                state.arrived += 1
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }
}
