public import Foundation
public import RunnerCore
public import RunnerIngress

/// One tenant's bindings file (reference §11): which secrets its flows may read, its webhook
/// path policy, Wasm limits, retry and rate limits, timers.
///
/// Loaded from YAML with ``init(yaml:file:)``; unknown keys are ignored as in the original,
/// malformed values are errors naming the file and the field. The `mcp` block is optional;
/// `runtime` and `retry` may be written at the top level or, as in the original, under `mcp`
/// (the top level wins).
public struct TenantBindings: Sendable, Hashable {
    public var tenant: String
    public var flowTypeBindings: [String: FlowTypeBinding]
    public var runtime: Runtime
    public var retry: Retry
    public var rateLimits: RateLimits
    public var timers: [Timer]
    /// Whether guest `http-fetch` may be enabled (`mcp.http_enabled`, else true iff a
    /// messaging binding exists). `http-fetch` itself is not enabled in this release.
    public var httpEnabled: Bool
    /// Where the file was read from, for messages.
    public var file: String

    /// A `flow_type_bindings` entry.
    public struct FlowTypeBinding: Sendable, Hashable {
        public var adapter: String?
        public var config: JSONValue
        public var secrets: [String]
        /// More channels serving this flow type (`channels: [slack, teams]`).
        public var channels: [String]

        public init(adapter: String? = nil, config: JSONValue = .object([:]), secrets: [String] = [], channels: [String] = []) {
            self.adapter = adapter
            self.config = config
            self.secrets = secrets
            self.channels = channels
        }
    }

    /// Per-call Wasm limits; `nil` means the runner's default.
    public struct Runtime: Sendable, Hashable {
        public var maxMemoryMB: Int?
        public var timeoutMs: Int?
        public var fuel: UInt64?

        public init(maxMemoryMB: Int? = nil, timeoutMs: Int? = nil, fuel: UInt64? = nil) {
            self.maxMemoryMB = maxMemoryMB
            self.timeoutMs = timeoutMs
            self.fuel = fuel
        }
    }

    /// Retry of transient component errors.
    public struct Retry: Sendable, Hashable {
        public var maxAttempts: Int
        public var baseDelayMs: Int

        public init(maxAttempts: Int = 3, baseDelayMs: Int = 250) {
            self.maxAttempts = maxAttempts
            self.baseDelayMs = baseDelayMs
        }
    }

    /// Outbound message rates: per tenant, and per conversation (a chat, a channel, a thread).
    public struct RateLimits: Sendable, Hashable {
        public var messagingSendQPS: Double
        public var messagingBurst: Int
        /// Per conversation; `nil` for the channel's default (1/s, bursts of 3; Telegram groups
        /// 20/min).
        public var conversationQPS: Double?
        public var conversationBurst: Int?

        public init(messagingSendQPS: Double = 10, messagingBurst: Int = 20, conversationQPS: Double? = nil, conversationBurst: Int? = nil)
        {
            self.messagingSendQPS = messagingSendQPS
            self.messagingBurst = messagingBurst
            self.conversationQPS = conversationQPS
            self.conversationBurst = conversationBurst
        }

        /// The tenant-wide bucket.
        public var tenantLimit: RateLimit { RateLimit(perSecond: messagingSendQPS, burst: messagingBurst) }

        /// The per-conversation override, when the bindings set one.
        public var conversationLimit: RateLimit? {
            guard conversationQPS != nil || conversationBurst != nil else { return nil }
            let defaults = RateLimit.conversationDefault
            return RateLimit(perSecond: conversationQPS ?? defaults.perSecond, burst: conversationBurst ?? defaults.burst)
        }
    }

    /// A scheduled flow: `cron` (5 or 6 fields, see `CronExpression`) in `timezone` (an IANA
    /// name, UTC when absent); `scheduleID` defaults to the flow id.
    public struct Timer: Sendable, Hashable {
        public var flowID: String
        public var cron: String
        public var scheduleID: String
        public var timezone: String?

        public init(flowID: String, cron: String, scheduleID: String? = nil, timezone: String? = nil) {
            self.flowID = flowID
            self.cron = cron
            self.scheduleID = scheduleID ?? flowID
            self.timezone = timezone
        }

        /// The parsed expression and time zone.
        ///
        /// - Throws: ``ConfigurationError`` naming what is wrong.
        public func schedule() throws(ConfigurationError) -> (CronExpression, TimeZone) {
            (try expression(), try zone())
        }

        /// The parsed `cron`.
        func expression() throws(ConfigurationError) -> CronExpression {
            do {
                return try CronExpression(cron)
            } catch {
                throw ConfigurationError(error.description)
            }
        }

        /// The `timezone`, UTC when absent.
        func zone() throws(ConfigurationError) -> TimeZone {
            guard let timezone else { return TimeZone(identifier: "UTC") ?? .gmt }
            guard let zone = TimeZone(identifier: timezone) else {
                throw ConfigurationError("\(timezone) is not an IANA time zone name (such as Europe/Berlin)")
            }
            return zone
        }
    }

    public init(
        tenant: String,
        flowTypeBindings: [String: FlowTypeBinding] = [:],
        runtime: Runtime = .init(),
        retry: Retry = .init(),
        rateLimits: RateLimits = .init(),
        timers: [Timer] = [],
        httpEnabled: Bool? = nil,
        file: String = "<memory>"
    ) {
        self.tenant = tenant
        self.flowTypeBindings = flowTypeBindings
        self.runtime = runtime
        self.retry = retry
        self.rateLimits = rateLimits
        self.timers = timers
        self.httpEnabled = httpEnabled ?? (flowTypeBindings["messaging"] != nil)
        self.file = file
    }

    /// The channels the tenant's messaging binding names: `flow_type_bindings.messaging.adapter`
    /// and the list `flow_type_bindings.messaging.channels`.
    public var messagingChannels: [String] {
        guard let messaging = flowTypeBindings["messaging"] else { return [] }
        var names: [String] = []
        for name in [messaging.adapter].compactMap({ $0 }) + messaging.channels where !names.contains(name) {
            names.append(name)
        }
        return names
    }

    /// The union of every binding's `secrets`: the names flows of this tenant may read.
    public var allowedSecrets: Set<String> {
        Set(flowTypeBindings.values.flatMap(\.secrets))
    }

    /// The webhook path policy from `flow_type_bindings.webhook.config`.
    public var webhookPolicy: WebhookPolicy {
        let config = flowTypeBindings["webhook"]?.config ?? .object([:])
        func strings(_ key: String) -> [String] { config[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        return WebhookPolicy(allowPaths: strings("allow_paths"), denyPaths: strings("deny_paths"))
    }
}
