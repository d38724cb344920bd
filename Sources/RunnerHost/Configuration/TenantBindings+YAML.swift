internal import Foundation
internal import RunnerCore

extension TenantBindings {
    /// Loads a bindings file.
    ///
    /// - Throws: ``ConfigurationError`` naming the file and the field.
    public init(contentsOf path: String) throws(ConfigurationError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot read bindings file \(path): \(error.localizedDescription)")
        }
        try self.init(yaml: text, file: path)
    }

    /// Parses bindings YAML.
    public init(yaml text: String, file: String) throws(ConfigurationError) {
        let document: JSONValue
        do {
            document = try JSONValue(yaml: text)
        } catch {
            throw ConfigurationError("\(file): not valid YAML: \(error)")
        }
        let reader = BindingsReader(file: file)
        self = try reader.read(document)
    }
}

/// Field-by-field extraction with messages that name the file and the field.
private struct BindingsReader {
    let file: String

    func fail(_ field: String, _ message: String) -> ConfigurationError {
        ConfigurationError("\(file): '\(field)' \(message)")
    }

    func read(_ document: JSONValue) throws(ConfigurationError) -> TenantBindings {
        guard let root = document.objectValue else { throw ConfigurationError("\(file): a bindings file must be a mapping") }
        guard let tenant = root["tenant"]?.stringValue, !tenant.isEmpty else {
            throw fail("tenant", "is required and must be a non-empty string")
        }
        guard TenantName.isValid(tenant) else { throw fail("tenant", "must contain only letters, digits, '.', '_' and '-'") }
        let mcp = try optionalObject(root["mcp"], "mcp") ?? [:]

        var bindings: [String: TenantBindings.FlowTypeBinding] = [:]
        for (flowType, value) in try optionalObject(root["flow_type_bindings"], "flow_type_bindings") ?? [:] {
            let field = "flow_type_bindings.\(flowType)"
            guard let entry = value.objectValue else { throw fail(field, "must be a mapping") }
            let secrets = try stringList(entry["secrets"], "\(field).secrets")
            let config = entry["config"] ?? .object([:])
            guard config.isNull || config.objectValue != nil else { throw fail("\(field).config", "must be a mapping") }
            bindings[flowType] = .init(
                adapter: entry["adapter"]?.stringValue,
                config: config.isNull ? .object([:]) : config,
                secrets: secrets,
                channels: try stringList(entry["channels"], "\(field).channels")
            )
        }

        let runtimeValue = root["runtime"] ?? mcp["runtime"]
        let runtimeField = root["runtime"] != nil ? "runtime" : "mcp.runtime"
        let runtime = try optionalObject(runtimeValue, runtimeField) ?? [:]
        let retryValue = root["retry"] ?? mcp["retry"]
        let retryField = root["retry"] != nil ? "retry" : "mcp.retry"
        let retry = try optionalObject(retryValue, retryField) ?? [:]
        let rates = try optionalObject(root["rate_limits"], "rate_limits") ?? [:]

        var timers: [TenantBindings.Timer] = []
        if let rawTimers = root["timers"], !rawTimers.isNull {
            guard let list = rawTimers.arrayValue else { throw fail("timers", "must be a list") }
            for (offset, item) in list.enumerated() {
                let field = "timers[\(offset)]"
                guard let flowID = item["flow_id"]?.stringValue, !flowID.isEmpty else { throw fail("\(field).flow_id", "is required") }
                guard let cron = item["cron"]?.stringValue, !cron.isEmpty else { throw fail("\(field).cron", "is required") }
                let timer = TenantBindings.Timer(
                    flowID: flowID,
                    cron: cron,
                    scheduleID: item["schedule_id"]?.stringValue,
                    timezone: item["timezone"]?.stringValue
                )
                do {
                    _ = try timer.expression()
                } catch {
                    throw fail("\(field).cron", error.message)
                }
                do {
                    _ = try timer.zone()
                } catch {
                    throw fail("\(field).timezone", error.message)
                }
                guard !timers.contains(where: { $0.scheduleID == timer.scheduleID }) else {
                    throw fail("\(field).schedule_id", "\(timer.scheduleID) is used by an earlier timer (give each its own schedule_id)")
                }
                timers.append(timer)
            }
        }

        let httpEnabled: Bool?
        if let value = mcp["http_enabled"], !value.isNull {
            guard let flag = value.boolValue else { throw fail("mcp.http_enabled", "must be true or false") }
            httpEnabled = flag
        } else {
            httpEnabled = nil
        }
        let defaults = TenantBindings.Retry()
        let rateDefaults = TenantBindings.RateLimits()
        return TenantBindings(
            tenant: tenant,
            flowTypeBindings: bindings,
            runtime: .init(
                maxMemoryMB: try positiveInt(runtime["max_memory_mb"], "\(runtimeField).max_memory_mb", maximum: 4096),
                timeoutMs: try positiveInt(runtime["timeout_ms"], "\(runtimeField).timeout_ms", maximum: 600_000),
                fuel: try positiveInt(runtime["fuel"], "\(runtimeField).fuel", maximum: 1_000_000_000_000).map { UInt64($0) }
            ),
            retry: .init(
                maxAttempts: try positiveInt(retry["max_attempts"], "\(retryField).max_attempts", maximum: 20) ?? defaults.maxAttempts,
                baseDelayMs: try positiveInt(retry["base_delay_ms"], "\(retryField).base_delay_ms", maximum: 60_000) ?? defaults.baseDelayMs
            ),
            rateLimits: .init(
                messagingSendQPS: try positiveNumber(rates["messaging_send_qps"], "rate_limits.messaging_send_qps", maximum: 10_000)
                    ?? rateDefaults.messagingSendQPS,
                messagingBurst: try positiveInt(rates["messaging_burst"], "rate_limits.messaging_burst", maximum: 100_000)
                    ?? rateDefaults.messagingBurst,
                conversationQPS: try positiveNumber(rates["conversation_qps"], "rate_limits.conversation_qps", maximum: 10_000),
                conversationBurst: try positiveInt(rates["conversation_burst"], "rate_limits.conversation_burst", maximum: 100_000)
            ),
            timers: timers,
            httpEnabled: httpEnabled,
            file: file
        )
    }

    func optionalObject(_ value: JSONValue?, _ field: String) throws(ConfigurationError) -> [String: JSONValue]? {
        guard let value, !value.isNull else { return nil }
        guard let object = value.objectValue else { throw fail(field, "must be a mapping") }
        return object
    }

    func stringList(_ value: JSONValue?, _ field: String) throws(ConfigurationError) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw fail(field, "must be a list of strings") }
        var strings: [String] = []
        for item in list {
            guard let text = item.stringValue else { throw fail(field, "must be a list of strings") }
            strings.append(text)
        }
        return strings
    }

    func positiveInt(_ value: JSONValue?, _ field: String, maximum: Int) throws(ConfigurationError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.int64Value, number > 0, number <= maximum, let int = Int(exactly: number) else {
            throw fail(field, "must be an integer between 1 and \(maximum)")
        }
        return int
    }

    func positiveNumber(_ value: JSONValue?, _ field: String, maximum: Double) throws(ConfigurationError) -> Double? {
        guard let value, !value.isNull else { return nil }
        let number: Double
        switch value {
        case .int(let int): number = Double(int)
        case .double(let double): number = double
        default: throw fail(field, "must be a positive number")
        }
        guard number > 0, number <= maximum else { throw fail(field, "must be a number above 0 and at most \(Int(maximum))") }
        return number
    }
}
