public import Foundation

/// Identifies a paused conversation: one per tenant, canonical session key and flow.
///
/// Scoping by flow id keeps a resume record apart from anything else stored for the session
/// (the original runner let two records share one slot, reference §7.4 defect B).
public struct ResumeKey: Hashable, Sendable {
    public var tenant: String
    public var sessionKey: String
    public var flowID: String

    public init(tenant: String, sessionKey: String, flowID: String) {
        self.tenant = tenant
        self.sessionKey = sessionKey
        self.flowID = flowID
    }
}

/// A conversation paused at `session.wait`: where to continue and with which state.
///
/// `snapshot` is the engine's serialised state, in the original's format
/// (`{"flow_id","next_node","state":{"input","nodes","egress"}}`); the store treats it as
/// opaque JSON. `packDigest` and `flowHash` name the exact pack version the run paused on, so
/// a reload can decide whether to resume on that version or on a newer one.
public struct ResumeRecord: Hashable, Sendable {
    public var key: ResumeKey
    public var packDigest: String
    public var flowHash: String
    public var nextNode: String
    public var reason: String?
    public var snapshot: JSONValue
    public var createdAt: Date
    public var expiresAt: Date
    /// Assigned by the store: 1 on first save, incremented by every update.
    public var revision: Int64

    public init(
        key: ResumeKey,
        packDigest: String,
        flowHash: String,
        nextNode: String,
        reason: String?,
        snapshot: JSONValue,
        createdAt: Date,
        expiresAt: Date,
        revision: Int64 = 0
    ) {
        self.key = key
        self.packDigest = packDigest
        self.flowHash = flowHash
        self.nextNode = nextNode
        self.reason = reason
        self.snapshot = snapshot
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revision = revision
    }
}
