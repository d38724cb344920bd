public import RunnerCore

/// What a node produced: `nodes.<id>` in the template context.
public struct NodeResult: Sendable, Hashable {
    public var ok: Bool
    public var payload: JSONValue
    public var meta: JSONValue

    public init(ok: Bool, payload: JSONValue, meta: JSONValue = .null) {
        self.ok = ok
        self.payload = payload
        self.meta = meta
    }

    var json: JSONValue { .object(["ok": .bool(ok), "payload": payload, "meta": meta]) }
}
