import Foundation
import RunnerHost
import RunnerPacks
import RunnerTestSupport

/// A temporary deployment: packs, an index and bindings on disk, and a configuration that
/// serves them from a SQLite file in the same folder.
struct TestDeployment {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("greentic-host-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    var indexPath: String { directory.appendingPathComponent("index.json").path }
    var storePath: String { directory.appendingPathComponent("store/runner.sqlite").path }

    /// Writes `pack` as `packs/<name>.gtpack` and an index serving it to `tenant`; returns the digest.
    @discardableResult
    func deploy(_ pack: TestPack, name: String = "main", tenant: String = "demo", overlays: [(TestPack, String)] = []) throws -> String {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("packs"), withIntermediateDirectories: true)
        let digest = try pack.write(to: directory.appendingPathComponent("packs/\(name).gtpack"))
        var overlayEntries: [String] = []
        for (overlay, overlayName) in overlays {
            let overlayDigest = try overlay.write(to: directory.appendingPathComponent("packs/\(overlayName).gtpack"))
            overlayEntries.append(#"{"name":"\#(overlay.packID)","digest":"\#(overlayDigest)","locator":"packs/\#(overlayName).gtpack"}"#)
        }
        let index =
            #"{"\#(tenant)":{"main_pack":{"name":"\#(pack.packID)","version":"\#(pack.version)","digest":"\#(digest)","locator":"packs/\#(name).gtpack"},"overlays":[\#(overlayEntries.joined(separator: ","))]}}"#
        // Replaced by rename, so a running reloader reads the old or the new index, never half
        // (Foundation's `.atomic` would leave a directory in $TMPDIR per write on Linux).
        let staging = URL(fileURLWithPath: indexPath + ".staging")
        try Data(index.utf8).write(to: staging)
        guard rename(staging.path, indexPath) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return digest
    }

    /// Writes each tenant's pack as `packs/<tenant>.gtpack` and one index serving them all.
    func deploy(tenants: [String: TestPack]) throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("packs"), withIntermediateDirectories: true)
        var entries: [String] = []
        for (tenant, pack) in tenants.sorted(by: { $0.key < $1.key }) {
            let digest = try pack.write(to: directory.appendingPathComponent("packs/\(tenant).gtpack"))
            entries.append(
                #""\#(tenant)":{"main_pack":{"name":"\#(pack.packID)","version":"\#(pack.version)","digest":"\#(digest)","locator":"packs/\#(tenant).gtpack"},"overlays":[]}"#
            )
        }
        try Data("{\(entries.joined(separator: ","))}".utf8).write(to: URL(fileURLWithPath: indexPath))
    }

    /// Writes a bindings file for `tenant`; returns its path.
    @discardableResult
    func bindings(_ yaml: String, tenant: String = "demo") throws -> String {
        let path = directory.appendingPathComponent("\(tenant).yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A configuration serving this deployment.
    func configuration(bindings: [String], store: RunnerHostConfiguration.Store? = nil) -> RunnerHostConfiguration {
        var configuration = RunnerHostConfiguration()
        configuration.packs.indexLocation = indexPath
        configuration.packs.cacheDirectory = directory.appendingPathComponent("cache").path
        configuration.packs.refreshIntervalMs = 3_600_000
        configuration.bindingsFiles = bindings
        configuration.store = store ?? .sqlite(path: storePath)
        configuration.wasm.workers = 4
        return configuration
    }
}

/// WAT sources of the components the host tests deploy.
enum TestComponents {
    /// The demo pack's greeter: counts visits in its state and wraps its input.
    static var greeter: String {
        get throws {
            let url = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("examples/demo-pack/components/greeter/component.wat")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    /// Loops forever: only fuel or the watchdog stops it.
    static let spin = """
        (module
          (memory (export "memory") 1)
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
          (func (export "greentic:component/node@0.6.0#run") (param i32 i32 i32 i32) (result i32)
            (loop $forever (br $forever))
            (i32.const 0)))
        """

    /// Reads secret `api_key` (`secret-get`) and answers `{"payload":"<value>"}`, or
    /// `{"payload":""}` when it is missing.
    static let secretReader = """
        (module
          (import "greentic:host-import@0.6.0" "secret-get" (func $secret (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 200) "api_key")
          (data (i32.const 300) "{\\"payload\\":\\"")
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
          (func (export "greentic:component/node@0.6.0#run") (param i32 i32 i32 i32) (result i32)
            (local $n i32)
            (memory.copy (i32.const 1000) (i32.const 300) (i32.const 12))
            (local.set $n (call $secret (i32.const 200) (i32.const 7) (i32.const 1012) (i32.const 256)))
            (if (i32.lt_s (local.get $n) (i32.const 0)) (then (local.set $n (i32.const 0))))
            (i32.store8 (i32.add (i32.const 1012) (local.get $n)) (i32.const 34))
            (i32.store8 (i32.add (i32.const 1013) (local.get $n)) (i32.const 125))
            (i32.store (i32.const 80) (i32.const 1000))
            (i32.store (i32.const 84) (i32.add (local.get $n) (i32.const 14)))
            (i32.store (i32.const 88) (local.get 2))
            (i32.store (i32.const 92) (local.get 3))
            (i32.const 80)))
        """

    /// Counts calls in the host key-value state (`state-get`/`state-set` of key `n`) and answers
    /// the count as its payload (a single digit, so up to 9).
    static let kvCounter = TestWasm.kvCounter

    /// Answers `{"payload": <fixed JSON>}` whatever the input, after counting down from
    /// `spinning` (a slow node).
    static func constant(_ json: String, spinning: Int = 0) -> String {
        let output = #"{"payload":\#(json)}"#
        let escaped = output.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            default: return String(scalar)
            }
        }.joined()
        let length = output.utf8.count
        return """
            (module
              (memory (export "memory") 1)
              (data (i32.const 64) "\(escaped)")
              (data (i32.const 16) "\\40\\00\\00\\00")
              (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
              (func (export "greentic:component/node@0.6.0#run") (param i32 i32 i32 i32) (result i32)
                (local $n i32)
                (local.set $n (i32.const \(spinning)))
                (block $done (loop $count
                  (br_if $done (i32.eqz (local.get $n)))
                  (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                  (br $count)))
                (i32.store (i32.const 20) (i32.const \(length)))
                (i32.store (i32.const 24) (i32.const 0))
                (i32.store (i32.const 28) (i32.const 0))
                (i32.const 16)))
            """
    }
}

/// Flows the host tests deploy.
enum TestFlows {
    static let hello = """
        id: hello
        type: webhook
        start: greet
        nodes:
          greet:
            greeter: {name: "{{input.body.text}}"}
            routing: [{to: reply}]
          reply:
            templating.handlebars:
              template: "Hello, {{{input.body.text}}}! visit {{nodes.greet.payload.visits}}"
        """

    static let chat = """
        id: chat
        type: messaging
        start: first
        nodes:
          first: {qa.process: {said: "{{input.text}}"}, routing: [{to: ask}]}
          ask: {emit.reply: {text: "What's your name?"}, routing: [{to: wait}]}
          wait: {session.wait: {reason: name}, routing: [{to: greet}]}
          greet:
            templating.handlebars:
              template: "Nice to meet you, {{{input.text}}}! You opened with {{{nodes.first.payload.said}}}."
        """

    static let signup = """
        id: signup
        type: webhook
        nodes:
          ask: {emit.reply: {text: "name?"}, routing: [{to: wait}]}
          wait: {session.wait: {}, routing: [{to: done}]}
          done: {templating.handlebars: {template: "welcome {{{input.body.text}}}"}}
        """

    static let spin = """
        id: spin
        type: webhook
        nodes:
          loop: {spinner: {}}
        """

    static let version = """
        id: version
        type: webhook
        nodes:
          v: {versioned: {}}
        """
}

let demoBindings = """
    tenant: demo
    flow_type_bindings:
      messaging: {adapter: telegram, secrets: [TELEGRAM_BOT_TOKEN]}
      webhook: {adapter: generic, config: {allow_paths: ["/webhook/"], deny_paths: ["/webhook/secret"]}}
    runtime: {timeout_ms: 300, fuel: 100000000000}
    """
