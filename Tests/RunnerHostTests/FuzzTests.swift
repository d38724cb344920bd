import Crypto
import Foundation
import NIOHTTP1
import RunnerChannels
import RunnerCore
import RunnerHost
import RunnerIngress
import RunnerTestSupport
import Synchronization
import Testing

/// Seeded fuzzing of every channel route: bodies that are random, truncated, bit-flipped, with a
/// value replaced by a random one, nested too deep or too big, each validly signed (so the
/// parsers behind the signature checks are reached) and each forged. The server never answers
/// 5xx, never stops, and runs no flow for a request it refused.
@Suite("Fuzzing every route")
struct FuzzTests {
    static let seed: UInt64 = 20_261_204
    static let casesPerRoute = 1000

    /// A route and how to sign a body for it.
    struct Target: Sendable {
        var name: String
        var method: HTTPMethod = .POST
        var path: String
        var contentType = "application/json"
        var seed: String
        /// Headers that authenticate `body` (forged when `valid` is false).
        var sign: @Sendable (_ body: [UInt8], _ valid: Bool) -> [(String, String)]
    }

    /// Slack's headers for `body`, signed now with the tenant's secret or another.
    @Sendable static func slackSignature(_ body: [UInt8], _ valid: Bool) -> [(String, String)] {
        let ts = String(Int(Date().timeIntervalSince1970))
        return [
            ("X-Slack-Request-Timestamp", ts),
            ("X-Slack-Signature", SlackSignature.signature(secret: valid ? "slack-secret" : "other", timestamp: ts, body: body)),
        ]
    }

    static func hmac<H: HashFunction>(_ hash: H.Type, _ body: [UInt8], _ key: String) -> String {
        Hex.encode(Array(HMAC<H>.authenticationCode(for: body, using: SymmetricKey(data: Array(key.utf8)))))
    }

    static func targets(teamsToken: String, serviceURL: String) -> [Target] {
        [
            Target(
                name: "telegram",
                path: "/messaging/telegram/webhook",
                seed: #"{"update_id":1,"message":{"message_id":1,"text":"hi","chat":{"id":1,"type":"private"},"from":{"id":2}}}"#,
                sign: { _, valid in [("X-Telegram-Bot-Api-Secret-Token", valid ? "tg-secret" : "tg-secre")] }
            ),
            Target(
                name: "slack events",
                path: "/slack/events",
                seed:
                    #"{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1.1"}}"#,
                sign: slackSignature
            ),
            Target(
                name: "slack interactive",
                path: "/slack/interactive",
                contentType: "application/x-www-form-urlencoded",
                seed:
                    #"{"type":"block_actions","trigger_id":"t","team":{"id":"T"},"user":{"id":"U"},"channel":{"id":"C"},"actions":[{"action_id":"a","value":"v"}]}"#,
                sign: slackSignature
            ),
            Target(
                name: "teams",
                path: "/teams/activities",
                seed:
                    #"{"type":"message","id":"a1","serviceUrl":"\#(serviceURL)","channelId":"msteams","from":{"id":"u"},"conversation":{"id":"c"},"text":"hi"}"#,
                sign: { _, valid in [("Authorization", valid ? "Bearer \(teamsToken)" : "Bearer \(teamsToken.dropLast(2))xx")] }
            ),
            Target(
                name: "webchat",
                path: "/webchat/activities",
                seed: #"{"type":"message","id":"w1","from":{"id":"u"},"conversation":{"id":"c"},"text":"hi"}"#,
                sign: { _, valid in [("Authorization", valid ? "Bearer wc-token" : "Bearer wc-tokem")] }
            ),
            Target(
                name: "webex",
                path: "/webex/webhook",
                seed: #"{"resource":"messages","event":"created","data":{"id":"m1","roomId":"r1","personId":"p1"}}"#,
                sign: { body, valid in [("X-Spark-Signature", hmac(Insecure.SHA1.self, body, valid ? "webex-secret" : "webex-secrets"))] }
            ),
            Target(
                name: "whatsapp",
                path: "/whatsapp/webhook",
                seed:
                    #"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"P"},"messages":[{"from":"1","id":"w1","timestamp":"1","type":"text","text":{"body":"hi"}}]}}]}]}"#,
                sign: { body, valid in [("X-Hub-Signature-256", "sha256=" + hmac(SHA256.self, body, valid ? "wa-secret" : "wa-secrets"))] }
            ),
            Target(
                name: "webhook",
                path: "/webhook/missing-flow",
                seed: #"{"order":1}"#,
                sign: { _, _ in [] }
            ),
        ]
    }

    /// A random JSON value, `depth` levels at most.
    static func randomJSON(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int([Int64.min, Int64.max, 0, -1, Int64.random(in: -1000...1000, using: &rng)].randomElement(using: &rng) ?? 0)
        case 3: return .double([Double.greatestFiniteMagnitude, -0.5, 1e-300, 3.14].randomElement(using: &rng) ?? 0)
        case 4: return .string(randomString(&rng, length: Int.random(in: 0..<40, using: &rng)))
        case 5: return .string(String(repeating: "\u{1F600}\"\\", count: Int.random(in: 1000..<4000, using: &rng)))
        case 6: return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomJSON(&rng, depth: depth - 1) })
        default:
            let keys = ["type", "id", "text", "event", "message", "from", "chat", "data", "user", "channel", "entry", "actions", "payload"]
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<5, using: &rng) {
                object[keys.randomElement(using: &rng) ?? "k"] = randomJSON(&rng, depth: depth - 1)
            }
            return .object(object)
        }
    }

    static func randomString(_ rng: inout SeededGenerator, length: Int) -> String {
        let alphabet = Array("abcXYZ019 \"\\/{}[]:,%+&=\u{0}\u{7F}é漢\u{1F600}\u{FFFD}")
        return String((0..<length).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
    }

    /// Replaces one value somewhere in `value` by a random one.
    static func mutate(_ value: JSONValue, _ rng: inout SeededGenerator) -> JSONValue {
        switch value {
        case .object(var members) where !members.isEmpty && Int.random(in: 0..<4, using: &rng) > 0:
            let key = members.keys.sorted().randomElement(using: &rng) ?? ""
            members[key] = mutate(members[key] ?? .null, &rng)
            return .object(members)
        case .array(var elements) where !elements.isEmpty && Int.random(in: 0..<4, using: &rng) > 0:
            let index = Int.random(in: 0..<elements.count, using: &rng)
            elements[index] = mutate(elements[index], &rng)
            return .array(elements)
        default:
            return randomJSON(&rng, depth: 3)
        }
    }

    /// One fuzzed body for `target`.
    static func body(for target: Target, _ rng: inout SeededGenerator) -> [UInt8] {
        let seed = Array(target.seed.utf8)
        var json: [UInt8]
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            json = (0..<Int.random(in: 0..<600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 1:
            json = Array(seed.prefix(Int.random(in: 0..<seed.count, using: &rng)))
        case 2:
            json = seed
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                json[Int.random(in: 0..<json.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
        case 3:
            json = Array(String(repeating: "[", count: 200).utf8) + seed + Array(String(repeating: "]", count: 200).utf8)
        case 4:
            json = mutate((try? JSONValue(parsing: seed)) ?? .null, &rng).serializedBytes()
        case 5:
            json =
                Array(#"{"text":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: Int.random(in: 100_000..<700_000, using: &rng))
                + Array(#""}"#.utf8)
        default:
            json = randomJSON(&rng, depth: 4).serializedBytes()
        }
        guard target.contentType == "application/x-www-form-urlencoded" else { return json }
        return Array(("payload=" + FormEncoding.percentEncodePathSegment(String(decoding: json, as: UTF8.self))).utf8)
    }

    @Test func noFuzzedRequestGetsA5xxOrRunsAFlowItRefused() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let echo = "id: chat\ntype: messaging\nnodes:\n  reply: {qa.process: \"echo {{{input.text}}}\"}\n"
        try deployment.deploy(TestPack(flows: [echo, TestFlows.signup]))
        let issuer = try await BotFrameworkTestIssuer(kid: "k")
        let api = FakeProviderAPI { call in
            switch call.path {
            case "/bf/openid": .json(200, ["jwks_uri": .string("http://\(call.header("host") ?? "")/bf/keys")])
            case "/bf/keys": .json(200, BotFrameworkTestIssuer.jwks([issuer]))
            case "/bf/token": .json(200, ["access_token": "t", "expires_in": 3600])
            case "/webex/people/me": .json(200, ["id": "bot"])
            default: .json(200, ["ok": true, "text": "fetched", "result": ["message_id": 1]])
            }
        }
        try await api.run { baseURL in
            var configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
            configuration.channels = .init(
                telegramAPIBaseURL: "\(baseURL)/tg",
                slackAPIBaseURL: "\(baseURL)/slack",
                botFrameworkOpenIDMetadataURL: "\(baseURL)/bf/openid",
                botFrameworkTokenURL: "\(baseURL)/bf/token",
                webexAPIBaseURL: "\(baseURL)/webex",
                whatsAppAPIBaseURL: "\(baseURL)/wa"
            )
            let environment = [
                "SLACK_SIGNING_SECRET": "slack-secret", "SLACK_BOT_TOKEN": "x", "MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "p",
                "WEBCHAT_TOKEN": "wc-token", "WEBEX_WEBHOOK_SECRET": "webex-secret", "WEBEX_BOT_TOKEN": "x",
                "WHATSAPP_APP_SECRET": "wa-secret",
                "WHATSAPP_ACCESS_TOKEN": "x", "WHATSAPP_VERIFY_TOKEN": "v", "TELEGRAM_WEBHOOK_SECRET": "tg-secret",
                "TELEGRAM_BOT_TOKEN": "x",
            ]
            let serviceURL = "\(baseURL)/bf/"
            let targets = Self.targets(teamsToken: try await issuer.token(appID: "app", serviceURL: serviceURL), serviceURL: serviceURL)
            try await withLiveHost(configuration, environment: environment) { client async throws in
                var rng = SeededGenerator(state: Self.seed)
                // Forged first: whatever the body, nothing may run.
                for target in targets where target.name != "webhook" {
                    var requests: [([UInt8], [(String, String)])] = []
                    for _ in 0..<(Self.casesPerRoute / 5) {
                        let body = Self.body(for: target, &rng)
                        requests.append((body, target.sign(body, false)))
                    }
                    let statuses = try await Self.send(requests, to: target, client: client)
                    // 413: the size limit applies before anything reads the body.
                    #expect(statuses.allSatisfy { $0 == 401 || $0 == 413 }, "\(target.name) forged: \(Set(statuses))")
                }
                let status = try await client.adminStatus()
                #expect(status["inbox"] == ["pending": 0, "in_flight": 0, "failed": 0], "no forged request was accepted")
                #expect(status["outbox"] == ["pending": 0, "in_flight": 0, "dead": 0])
                #expect(api.calls.filter { !$0.path.hasPrefix("/bf/") }.isEmpty)

                // Signed: the parsers see every kind of garbage.
                var accepted = 0
                for target in targets {
                    var requests: [([UInt8], [(String, String)])] = []
                    for _ in 0..<Self.casesPerRoute {
                        let body = Self.body(for: target, &rng)
                        requests.append((body, target.sign(body, true)))
                    }
                    let statuses = try await Self.send(requests, to: target, client: client)
                    #expect(statuses.allSatisfy { $0 < 500 }, "\(target.name): \(statuses.filter { $0 >= 500 })")
                    if target.name != "webhook" { accepted += statuses.filter { (200..<300).contains($0) && $0 != 204 }.count }
                }
                #expect(try await client.get("/healthz").status == 200, "the server still serves")
                // A refused request ran no flow: every run (a reply, or a recorded failure) belongs to an accepted one.
                #expect(try await client.settled())
                let after = try await client.adminStatus()
                let runs =
                    api.calls.filter {
                        ["/sendMessage", "/chat.postMessage", "/messages", "/activities"].contains(where: $0.path.hasSuffix)
                    }.count
                    + Int(after["inbox"]?["failed"]?.int64Value ?? 0)
                #expect(runs <= accepted, "\(runs) runs for \(accepted) accepted requests")
            }
        }
    }

    /// A signed event whose ids carry U+0000 (which PostgreSQL's text cannot store) is refused
    /// with 400 before anything is recorded.
    @Test func idsWithANulCharacterAreRefused() async throws {
        let deployment = try TestDeployment()
        defer { deployment.remove() }
        let echo = "id: chat\ntype: messaging\nnodes:\n  reply: {qa.process: \"echo {{{input.text}}}\"}\n"
        try deployment.deploy(TestPack(flows: [echo]))
        let configuration = deployment.configuration(bindings: [try deployment.bindings(demoBindings)])
        let environment = ["SLACK_SIGNING_SECRET": "slack-secret", "SLACK_BOT_TOKEN": "x"]
        try await withLiveHost(configuration, environment: environment) { client async throws in
            let body = Array(
                #"{"type":"event_callback","team_id":"T1","event_id":"Ev\u0000","event":{"type":"message","channel":"C\u00001","user":"U1","text":"hi","ts":"1.1"}}"#
                    .utf8
            )
            let response = try await client.request(
                .POST,
                "/slack/events",
                body: body,
                headers: Self.slackSignature(body, true) + [("content-type", "application/json")]
            )
            #expect(response.status == 400, "\(response.text)")
            #expect(response.text.contains("NUL"))
            let status = try await client.adminStatus()
            #expect(status["inbox"] == ["pending": 0, "in_flight": 0, "failed": 0], "nothing was recorded")
        }
    }

    /// Sends the requests eight at a time; returns the statuses.
    static func send(_ requests: [([UInt8], [(String, String)])], to target: Target, client: LiveClient) async throws -> [Int] {
        let port = client.port
        let send: @Sendable (([UInt8], [(String, String)])) async throws -> Int = { request in
            try await RawHTTPClient.status(
                port: port,
                method: target.method.rawValue,
                path: target.path,
                headers: request.1 + [("content-type", target.contentType)],
                body: request.0
            )
        }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            var statuses: [Int] = []
            var iterator = requests.makeIterator()
            for _ in 0..<8 {
                guard let request = iterator.next() else { break }
                group.addTask { try await send(request) }
            }
            while let status = try await group.next() {
                statuses.append(status)
                if let request = iterator.next() { group.addTask { try await send(request) } }
            }
            return statuses
        }
    }
}
