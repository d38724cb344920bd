/// The isolation unit of component state: one tenant, one pack, one session (or tenant-wide).
///
/// A tenant never sees another tenant's scope; a pack never sees another pack's.
public struct StateScope: Hashable, Sendable {
    public var tenant: String
    public var pack: String
    /// The canonical session key, or `""` for tenant-wide state.
    public var session: String

    public init(tenant: String, pack: String, session: String) {
        self.tenant = tenant
        self.pack = pack
        self.session = session
    }
}

/// One stored value inside a ``StateScope``.
public struct StateKey: Hashable, Sendable {
    /// What the value is: a component's own state bytes or a host key-value entry.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The `state` argument of a component's `run` (name = component name).
        case component
        /// A `state-get`/`state-set` key written through the host imports.
        case keyValue = "kv"
    }

    public var scope: StateScope
    public var kind: Kind
    public var name: String

    public init(scope: StateScope, kind: Kind, name: String) {
        self.scope = scope
        self.kind = kind
        self.name = name
    }
}

/// Every value of one scope, as loaded before a run.
public struct StateSnapshot: Hashable, Sendable {
    public var components: [String: [UInt8]]
    public var keyValues: [String: [UInt8]]
    /// The scope's revision: 0 before its first write, incremented by every commit that writes
    /// it. A run passes it back in ``RunCommit/stateRevisions`` so concurrent runs on one
    /// session never lose each other's updates.
    public var revision: Int64

    public init(components: [String: [UInt8]] = [:], keyValues: [String: [UInt8]] = [:], revision: Int64 = 0) {
        self.components = components
        self.keyValues = keyValues
        self.revision = revision
    }
}

/// A write to apply in a ``RunCommit``; `nil` deletes the value.
public struct StateWrite: Hashable, Sendable {
    public var key: StateKey
    public var value: [UInt8]?

    public init(key: StateKey, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
