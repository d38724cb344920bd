import AsyncHTTPClient
import Crypto
import Foundation
import RunnerCore
import RunnerIngress
import RunnerTestSupport
import Testing

@testable import RunnerChannels

/// Every fixture built with a provider's official SDK (scripts/make-channel-fixtures.py) goes
/// through its adapter, signed as the provider signs it: it maps to exactly the canonical payload
/// the independent oracle expects, is ignored when it should be, and answers the Slack handshake.
@Suite("Provider fixtures built with the official SDKs")
struct FixtureTests {
    /// The "now" of the fixtures (README: 2026-01-01T12:00:00+00:00).
    static let now = Date(timeIntervalSince1970: 1_767_268_800)

    static var root: URL {
        get throws { try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)) }
    }

    /// The request bodies of `provider`, by fixture name.
    static func bodies(_ provider: String) throws -> [(name: String, url: URL)] {
        let folder = try root.appendingPathComponent(provider)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().compactMap { file in
            guard !file.hasSuffix(".expected.json"), !file.hasSuffix(".message.json"), file.hasSuffix(".json") || file.hasSuffix(".form")
            else {
                return nil
            }
            return (String(file.split(separator: ".").first ?? ""), folder.appendingPathComponent(file))
        }
    }

    static func secrets(_ pairs: [String: String]) -> ChannelCredentials { ChannelCredentials(pairs) }

    static func hmac<H: HashFunction>(_ hash: H.Type, _ body: [UInt8], _ key: String) -> String {
        Hex.encode(Array(HMAC<H>.authenticationCode(for: body, using: SymmetricKey(data: Array(key.utf8)))))
    }

    /// The tenant a fixture's expected payload names (the README's table).
    static func tenant(_ provider: String) -> String {
        switch provider {
        case "teams": "acme"
        case "webex": "cisco"
        case "whatsapp": "zain-kuwait"
        default: "demo"
        }
    }

    @Test(arguments: ["telegram", "slack", "teams", "webchat", "webex", "whatsapp"])
    func everyFixtureMapsToItsExpectedPayload(_ provider: String) async throws {
        let fixtures = try Self.bodies(provider)
        #expect(fixtures.count >= 3, "\(provider) has fixtures")
        let issuer = try await BotFrameworkTestIssuer(kid: "fixture-key", endorsements: ["msteams"])
        let keyServer = FakeProviderAPI { call in
            call.path == "/openid"
                ? .json(200, ["jwks_uri": .string("http://\(call.header("host") ?? "")/keys")])
                : .json(200, BotFrameworkTestIssuer.jwks([issuer]))
        }
        try await keyServer.run { keysURL in
            let keys = BotFrameworkKeys(client: ProviderHTTPClient(http: HTTPClient.shared), metadataURL: "\(keysURL)/openid")
            for (name, url) in fixtures {
                let body = Array(try Data(contentsOf: url))
                let result = try await Self.handle(provider: provider, body: body, keys: keys, issuer: issuer)
                let folder = url.deletingLastPathComponent()
                let ignored = folder.appendingPathComponent("\(name).ignored")
                let challenge = folder.appendingPathComponent("\(name).challenge")
                if FileManager.default.fileExists(atPath: ignored.path) {
                    guard case .respond(let response) = result else {
                        Issue.record("\(provider)/\(name) must be answered without a flow, got \(result)")
                        continue
                    }
                    #expect([200, 202, 204].contains(response.status), "\(provider)/\(name): \(response.status)")
                    continue
                }
                if FileManager.default.fileExists(atPath: challenge.path) {
                    let expected = try String(contentsOf: challenge, encoding: .utf8)
                    guard case .respond(let response) = result else {
                        Issue.record("\(provider)/\(name) must answer the challenge")
                        continue
                    }
                    #expect(try JSONValue(parsing: response.body) == ["challenge": .string(expected)])
                    continue
                }
                let events: [IngressEvent]
                switch result {
                case .accept(let accepted, _): events = accepted
                case .run(let event): events = [event]
                case .respond(let response):
                    Issue.record("\(provider)/\(name) was answered \(response.status) without an event")
                    continue
                }
                let single = folder.appendingPathComponent("\(name).expected.json")
                let expectedFiles =
                    FileManager.default.fileExists(atPath: single.path)
                    ? [single] : (0..<events.count).map { folder.appendingPathComponent("\(name).\($0).expected.json") }
                #expect(events.count == expectedFiles.count, "\(provider)/\(name): \(events.count) events")
                for (event, file) in zip(events, expectedFiles) {
                    var input = event.input
                    if provider == "webex" {
                        input = try await Self.prepareWebex(input, message: folder.appendingPathComponent("\(name).message.json"))
                    }
                    let expected = try JSONValue(parsing: Array(try Data(contentsOf: file)))
                    #expect(input == expected, "\(provider)/\(name): \(Self.difference(input, expected))")
                    #expect(event.sessionKey == expected["session"]?["key"]?.stringValue)
                }
            }
        }
    }

    /// Runs the fixture through its adapter, signed and dated as the provider would.
    static func handle(
        provider: String,
        body: [UInt8],
        keys: BotFrameworkKeys,
        issuer: BotFrameworkTestIssuer
    ) async throws -> IngressResult {
        func request(
            _ headers: [(String, String)],
            credentials: [String: String],
            contentType: String = "application/json"
        ) -> IngressRequest {
            IngressRequest(
                method: "POST",
                path: "/\(provider)",
                headers: ([("Content-Type", contentType)] + headers).map { (name: $0.0, value: $0.1) },
                body: body,
                tenant: tenant(provider),
                credentials: secrets(credentials),
                receivedAt: now
            )
        }
        switch provider {
        case "telegram":
            return try await TelegramAdapter().handle(
                request([("X-Telegram-Bot-Api-Secret-Token", "s")], credentials: ["TELEGRAM_WEBHOOK_SECRET": "s"])
            )
        case "slack":
            let ts = String(Int64(now.timeIntervalSince1970))
            let signed = request(
                [
                    ("X-Slack-Request-Timestamp", ts),
                    ("X-Slack-Signature", SlackSignature.signature(secret: "s", timestamp: ts, body: body)),
                ],
                credentials: ["SLACK_SIGNING_SECRET": "s"],
                contentType: body.first == UInt8(ascii: "{") ? "application/json" : "application/x-www-form-urlencoded"
            )
            return body.first == UInt8(ascii: "{")
                ? try await SlackEventsAdapter().handle(signed) : try await SlackInteractiveAdapter().handle(signed)
        case "teams":
            // The keys judge expiry by the real clock: a token valid now, for the fixture's service URL.
            let activity = try JSONValue(parsing: body)
            let live = try await issuer.token(appID: "app", serviceURL: activity["serviceUrl"]?.stringValue)
            return try await TeamsAdapter(keys: keys).handle(
                request([("Authorization", "Bearer \(live)")], credentials: ["MICROSOFT_APP_ID": "app"])
            )
        case "webchat":
            return try await WebChatAdapter().handle(request([("Authorization", "Bearer t")], credentials: ["WEBCHAT_TOKEN": "t"]))
        case "webex":
            return try await WebexAdapter().handle(
                request([("X-Spark-Signature", hmac(Insecure.SHA1.self, body, "s"))], credentials: ["WEBEX_WEBHOOK_SECRET": "s"])
            )
        default:
            return try await WhatsAppAdapter().handle(
                request([("X-Hub-Signature-256", "sha256=" + hmac(SHA256.self, body, "s"))], credentials: ["WHATSAPP_APP_SECRET": "s"])
            )
        }
    }

    /// Webex's prepare step, with the fixture's `GET /messages/{id}` answer served by a fake API.
    static func prepareWebex(_ input: JSONValue, message: URL) async throws -> JSONValue {
        let answer = Array(try Data(contentsOf: message))
        let api = FakeProviderAPI { call in
            call.path == "/people/me" ? .json(200, ["id": "the-bot"]) : FakeProviderAPI.Answer(body: answer)
        }
        return try await api.run { baseURL in
            let channel = WebexChannel(client: ProviderHTTPClient(http: HTTPClient.shared), baseURL: baseURL)
            let prepared = try await channel.prepare(
                input,
                context: PrepareContext(tenant: "cisco", credentials: secrets(["WEBEX_BOT_TOKEN": "t"]))
            )
            guard case .run(let ready) = prepared else { throw PreparedWithoutRun() }
            return ready
        }
    }

    struct PreparedWithoutRun: Error {}

    /// The first differing member, for a readable failure.
    static func difference(_ actual: JSONValue, _ expected: JSONValue, path: String = "") -> String {
        if case .object(let a) = actual, case .object(let e) = expected {
            for key in Set(a.keys).union(e.keys).sorted() where a[key] != e[key] {
                return difference(a[key] ?? .null, e[key] ?? .null, path: "\(path).\(key)")
            }
        }
        if case .array(let a) = actual, case .array(let e) = expected, a.count == e.count {
            for (index, pair) in zip(a, e).enumerated() where pair.0 != pair.1 {
                return difference(pair.0, pair.1, path: "\(path)[\(index)]")
            }
        }
        return "\(path): got \(actual.serializedString()) expected \(expected.serializedString())"
    }
}
