internal import ArgumentParser
internal import Foundation
internal import RunnerCore
internal import RunnerPacks

/// `greentic-runner keys generate`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Manage signing keys.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate an Ed25519 signing key.",
            discussion: "Writes the private key as PKCS#8 PEM and prints the public key as ed25519:BASE64 (the PACK_PUBLIC_KEY format)."
        )

        @Option(name: [.short, .customLong("output")], help: "Where to write the private key (never overwritten).")
        var output: String = "greentic-signing-key.pem"

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: output) else {
                throw ValidationError("\(output) already exists; choose another --output")
            }
            let key = PackSigningKey.generate()
            try key.write(to: URL(fileURLWithPath: output))
            print(key.publicKeyString)
        }
    }
}
