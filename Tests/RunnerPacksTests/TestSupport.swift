import Foundation
import RunnerCore
import Synchronization
import Testing

@testable import RunnerPacks

/// Shared inputs and helpers for the RunnerPacks tests.
enum Fixtures {
    /// The smallest valid WebAssembly module: magic and version.
    static let wasm: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]

    static let helloFlow = """
        id: hello
        type: messaging
        start: greet
        parameters:
          days: 3
        nodes:
          greet:
            qa.process:
              welcome: "Hi {{input.text}}"
            routing:
              - to: done
          done:
            templating.handlebars:
              template: bye
            routing:
              - out: true

        """

    static let otherFlow = """
        id: other
        type: webhook
        nodes:
          zeta:
            qa.process: {}
          in:
            qa.process: {}

        """

    /// A metadata record for in-memory builds.
    static func meta(version: String = "0.1.0") -> PackManifest.Meta {
        PackManifest.Meta(
            packID: "dev.greentic.test",
            version: version,
            name: "Test Pack",
            description: "for tests",
            authors: ["Tester"],
            license: "MIT",
            entryFlows: ["hello"],
            createdAtUTC: "2025-01-01T00:00:00Z",
            annotations: ["team": "packs", "tier": 1]
        )
    }

    /// An in-memory builder input with two flows and one component.
    static func input() -> PackBuilder.Input {
        PackBuilder.Input(
            meta: meta(),
            flows: [.init(yaml: helloFlow, source: "hello.ygtc"), .init(yaml: otherFlow, source: "other.ygtc")],
            components: [
                .init(name: "echo", version: "0.1.0", wasm: wasm, world: "greentic:component/component@0.6.0")
            ],
            builtAtUTC: "2025-01-02T03:04:05Z"
        )
    }

    /// Builds ``input()`` with `key`.
    static func build(key: PackSigningKey = .developmentKey) throws -> PackBuilder.Output {
        try PackBuilder(signingKey: key).build(input())
    }

    /// A fresh, empty temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("packs-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes a pack source folder into `directory`.
    static func writeSource(in directory: URL) throws {
        func write(_ path: String, _ text: String) throws {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data(text.utf8).write(to: url)
        }
        try write(
            "pack.yaml",
            """
            pack_id: dev.greentic.folder
            name: Folder Pack
            version: 1.2.3
            description: built from a folder
            authors: [Ada]
            entry_flows: [hello]
            annotations:
              owner: packs-team

            """
        )
        try write("flows/hello.ygtc", helloFlow.replacingOccurrences(of: "\n", with: "\r\n"))
        try write("flows/other.ygtc", otherFlow)
        try write("flows/README.md", "not a flow")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("components/echo"),
            withIntermediateDirectories: true
        )
        try Data(wasm).write(to: directory.appendingPathComponent("components/echo/component.wasm"))
        try write("components/echo/component.yaml", "version: 0.3.0\nworld: greentic:component/component@0.6.0\n")
        try write("components/text/component.wat", "(module)")
        try write("assets/templates/greeting.hbs", "Hello {{name}}")
    }

    /// The stand-in WAT compiler: any text becomes the minimal module.
    static func compileWAT(_ text: String) throws -> [UInt8] { wasm }

    /// A resource file of the test bundle.
    static func resource(_ path: String) -> URL {
        Bundle.module.resourceURL?.appendingPathComponent("Fixtures/" + path)
            ?? URL(fileURLWithPath: "Tests/RunnerPacksTests/Fixtures/" + path)
    }

    /// `files` with `change` applied, re-zipped (CRCs recomputed, signature untouched).
    static func rezip(_ files: [String: [UInt8]], _ change: (inout [String: [UInt8]]) -> Void) throws -> [UInt8] {
        var copy = files
        change(&copy)
        return try GTPackWriter.write(copy)
    }
}

/// Runs `body` and checks it throws a ``PackError`` with `code` whose message contains every fragment.
func expectPackError<T>(
    _ code: PackError.Code,
    mentioning fragments: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        Issue.record("expected PackError \(code), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as PackError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                error.message.contains(fragment),
                "\"\(error.message)\" should mention \(fragment)",
                sourceLocation: sourceLocation
            )
        }
    } catch {
        Issue.record("expected PackError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The async form of ``expectPackError(_:mentioning:sourceLocation:_:)``.
func expectPackErrorAsync<T>(
    _ code: PackError.Code,
    mentioning fragments: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected PackError \(code), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as PackError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                error.message.contains(fragment),
                "\"\(error.message)\" should mention \(fragment)",
                sourceLocation: sourceLocation
            )
        }
    } catch {
        Issue.record("expected PackError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// A resolver test double that serves fixed bytes and records every request.
final class RecordingResolver: PackResolver {
    private let state: Mutex<(bytes: [UInt8], etag: String?, requests: [PackFetchRequest])>

    init(bytes: [UInt8], etag: String? = nil) {
        state = Mutex((bytes, etag, []))
    }

    /// The requests received so far.
    var requests: [PackFetchRequest] { state.withLock { $0.requests } }

    /// Replaces the served bytes (and entity tag).
    func serve(_ bytes: [UInt8], etag: String? = nil) {
        state.withLock {
            $0.bytes = bytes
            $0.etag = etag
        }
    }

    func fetch(_ request: PackFetchRequest) async throws(PackError) -> PackFetchResult {
        state.withLock { current in
            current.requests.append(request)
            if let etag = current.etag, request.previousETag == etag {
                return .notModified
            }
            return .fetched(FetchedPack(bytes: current.bytes, etag: current.etag))
        }
    }
}
