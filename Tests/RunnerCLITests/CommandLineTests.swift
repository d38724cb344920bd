import Foundation
import RunnerCore
import RunnerPacks
import Testing

/// Runs the real `greentic-runner` executable (built next to this test bundle).
struct Runner {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("greentic-runner")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: JSONValue? { try? JSONValue(parsing: stdout) }
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("greentic-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Command line", .serialized)
struct CommandLineTests {
    @Test func packBuildIsDeterministicAndReproducesTheBundledDemo() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("one.gtpack").path
        let second = directory.appendingPathComponent("two.gtpack").path
        let built = try Runner.run(["pack", "build", "examples/demo-pack", "-o", first])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.json?["ok"] == true)
        #expect(try Runner.run(["pack", "build", "examples/demo-pack", "-o", second]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: first))
        #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: second))), "two builds give identical bytes")
        let committed = try Data(contentsOf: Runner.root.appendingPathComponent("examples/packs/demo.gtpack"))
        #expect(bytes == committed, "examples/packs/demo.gtpack is what `pack build examples/demo-pack` produces")
        let index = try JSONValue(parsing: Array(try Data(contentsOf: Runner.root.appendingPathComponent("examples/index.json"))))
        #expect(index["demo"]?["main_pack"]?["digest"]?.stringValue == PackDigest.sha256(of: Array(committed)))
        #expect(built.json?["digest"]?.stringValue == PackDigest.sha256(of: Array(committed)))
    }

    /// The output is staged beside itself and renamed into place: nothing is left in the output
    /// directory or in `$TMPDIR` (Foundation's `.atomic` left a directory there per write).
    @Test func packBuildReplacesItsOutputAtomicallyAndLeavesNothingBehind() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scratch = directory.appendingPathComponent("tmp")
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let output = out.appendingPathComponent("demo.gtpack")
        try Data("an older pack".utf8).write(to: output)
        let built = try Runner.run(["pack", "build", "examples/demo-pack", "-o", output.path], environment: ["TMPDIR": scratch.path])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.json?["digest"]?.stringValue == PackDigest.sha256(of: Array(try Data(contentsOf: output))))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["demo.gtpack"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        let refused = try Runner.run([
            "pack", "build", "examples/demo-pack", "-o", directory.appendingPathComponent("missing/x.gtpack").path,
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot write"), "\(refused.stderr)")
    }

    @Test func verifyAndInspect() throws {
        let verified = try Runner.run(["pack", "verify", "examples/packs/demo.gtpack"])
        #expect(verified.status == 0)
        #expect(verified.json?["ok"] == true)
        #expect(verified.json?["development_signed"] == true)
        let strict = try Runner.run(["pack", "verify", "--strict", "examples/packs/demo.gtpack"])
        #expect(strict.status != 0)
        #expect(
            strict.json?["error"]?["code"] == "untrusted_signer"
                || strict.json?["error"]?["code"]?.stringValue?.contains("untrusted") == true
        )

        let inspected = try Runner.run(["pack", "inspect", "examples/packs/demo.gtpack"])
        #expect(inspected.status == 0)
        #expect(inspected.json?["manifest"]?["meta"]?["pack_id"] == "greentic.demo")
        let paths = inspected.json?["files"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(paths.contains("components/greeter@0.1.0/component.wasm"))
        #expect(paths.contains("flows/hello/flow.yaml"))

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var bytes = try Data(contentsOf: Runner.root.appendingPathComponent("examples/packs/demo.gtpack"))
        bytes[bytes.count / 3] ^= 0x01
        let tampered = directory.appendingPathComponent("tampered.gtpack")
        try bytes.write(to: tampered)
        let rejected = try Runner.run(["pack", "verify", tampered.path])
        #expect(rejected.status != 0)
        #expect(rejected.json?["ok"] == false)
        #expect(rejected.json?["error"]?["message"]?.stringValue?.isEmpty == false)
    }

    @Test func flowRunPrintsTheOutputAndATrace() throws {
        let run = try Runner.run(["flow", "run", "examples/packs/demo.gtpack", "hello", "--input", #"{"body":{"text":"Ada"}}"#])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(run.json)
        #expect(json["ok"] == true)
        #expect(json["status"] == "completed")
        #expect(json["output"]?["body"]?["text"] == "Hello, Ada! This is visit 1.\n")
        #expect(json["trace"]?.arrayValue?.map { $0["id"] } == ["greet", "reply", "respond"])
        #expect(json["trace"]?.arrayValue?.first?["payload"]?["request"]?["input"] == ["name": "Ada"], "--input becomes `input` unchanged")

        let paused = try Runner.run(["flow", "run", "examples/packs/demo.gtpack", "signup"])
        #expect(paused.status == 0)
        #expect(paused.json?["status"] == "paused")
        #expect(paused.json?["output"] == [["text": "What's your name?"]])

        let unknown = try Runner.run(["flow", "run", "examples/packs/demo.gtpack", "nope"])
        #expect(unknown.status != 0)
        #expect(unknown.json?["ok"] == false)
        #expect(unknown.json?["error"]?["code"] == "unknown_flow")

        let badInput = try Runner.run(["flow", "run", "examples/packs/demo.gtpack", "hello", "--input", "{oops"])
        #expect(badInput.status != 0)
        #expect(badInput.json?["error"]?["code"] == "invalid_input")
    }

    @Test func aKeySignsPacksThatStrictVerificationAcceptsAndSignsIndexes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("key.pem").path
        let generated = try Runner.run(["keys", "generate", "-o", keyPath])
        #expect(generated.status == 0)
        let publicKey = generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(publicKey.hasPrefix("ed25519:"))
        #expect(try Runner.run(["keys", "generate", "-o", keyPath]).status != 0, "an existing key is never overwritten")

        let packPath = directory.appendingPathComponent("signed.gtpack").path
        #expect(try Runner.run(["pack", "build", "examples/demo-pack", "-o", packPath, "--key", keyPath]).status == 0)
        let strict = try Runner.run(["pack", "verify", "--strict", packPath])
        #expect(strict.status == 0, "\(strict.stdout)")
        #expect(strict.json?["signer"]?.stringValue == publicKey)

        let indexPath = directory.appendingPathComponent("index.json")
        try Data(#"{"acme":{"main_pack":{"name":"greentic.demo","version":"0.1.0","locator":"signed.gtpack"},"overlays":[]}}"#.utf8)
            .write(to: indexPath)
        #expect(try Runner.run(["index", "sign", indexPath.path, "--key", keyPath]).status == 0)
        let index = try PackIndex(contentsOfFile: indexPath.path)
        let entry = try #require(index.tenants["acme"]?.main)
        let digest = PackDigest.sha256(of: Array(try Data(contentsOf: URL(fileURLWithPath: packPath))))
        #expect(entry.digest == digest)
        let key = try IndexVerificationKey(parsing: publicKey)
        #expect(throws: Never.self) { try key.verify(signature: entry.signature, digest: digest, packName: "greentic.demo") }
    }

    @Test func serveRefusesBadConfigurationNamingTheVariable() throws {
        let result = try Runner.run(["serve"], environment: ["PORT": "not-a-port"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("PORT"))
    }
}
