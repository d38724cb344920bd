internal import ArgumentParser
internal import Foundation
internal import RunnerCore
internal import RunnerPacks
internal import RunnerWasm

/// `greentic-runner pack build|verify|inspect`.
struct PackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Build, verify and inspect .gtpack archives.",
        subcommands: [Build.self, Verify.self, Inspect.self]
    )

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a signed, deterministic .gtpack from a source folder.",
            discussion: """
                The folder holds pack.yaml, flows/*.ygtc and components/<name>/component.{wat,wasm}. \
                WAT is compiled to Wasm. Identical input gives byte-identical output (set \
                SOURCE_DATE_EPOCH to stamp a build time). Without --key the pack is signed with the \
                public development key, which strict verification refuses.
                """
        )

        @Argument(help: "The pack source folder.")
        var directory: String

        @Option(name: [.short, .customLong("output")], help: "Where to write the .gtpack.")
        var output: String

        @Option(help: "Ed25519 private key (PKCS#8 PEM) to sign with, e.g. from `keys generate`.")
        var key: String?

        @Option(help: "Common name of the signing certificate.")
        var signerName: String = PackSigningKey.defaultCommonName

        func run() async throws {
            let signingKey: PackSigningKey
            if let key {
                signingKey = try PackSigningKey(contentsOf: URL(fileURLWithPath: key), commonName: signerName)
            } else {
                signingKey = .developmentKey
            }
            let input = try PackSource(directory: URL(fileURLWithPath: directory)).load(
                sourceDateEpoch: ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"],
                compileWAT: { try WATCompiler.compile($0) }
            )
            try FlowValidation.validate(input)
            let built = try PackBuilder(signingKey: signingKey).build(input)
            try CLIOutput.write(built.archive, to: output)
            CLIOutput.print([
                "ok": true, "output": .string(output), "pack_id": .string(built.manifest.meta.packID),
                "version": .string(built.manifest.meta.version), "digest": .string(PackDigest.sha256(of: built.archive)),
                "signer": .string(signingKey.publicKeyString), "development_signed": .bool(signingKey.isDevelopmentKey),
            ])
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a .gtpack's SBOM and signature.")

        @Argument(help: "The .gtpack file.")
        var file: String

        @Flag(help: "Refuse development-signed packs (what PACK_PUBLIC_KEY implies on the server).")
        var strict = false

        func run() async throws {
            let bytes = try CLIInput.read(file)
            do {
                let pack = try PackReader().open(bytes, policy: strict ? .strict : .devOK)
                CLIOutput.print([
                    "ok": true, "pack_id": .string(pack.manifest.meta.packID), "version": .string(pack.manifest.meta.version),
                    "digest": .string(PackDigest.sha256(of: bytes)), "signing_digest": .string(pack.digest),
                    "signer": .string(pack.signerPublicKey), "development_signed": .bool(pack.isDevelopmentSigned),
                    "policy": .string(strict ? "strict" : "dev-ok"), "warnings": .array(pack.report.warnings.map(JSONValue.string)),
                ])
            } catch {
                CLIOutput.print(["ok": false, "error": ["code": .string(error.code.description), "message": .string(error.message)]])
                throw ExitCode.failure
            }
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a .gtpack's manifest and files.")

        @Argument(help: "The .gtpack file.")
        var file: String

        func run() async throws {
            let bytes = try CLIInput.read(file)
            let pack = try PackReader().open(bytes, policy: .devOK)
            let manifest = try JSONValue(parsing: pack.file("manifest.json") ?? Array("null".utf8))
            CLIOutput.print([
                "digest": .string(PackDigest.sha256(of: bytes)), "manifest": manifest,
                "files": .array(
                    pack.sbom.files.map { ["path": .string($0.path), "size": .int(Int64($0.size)), "blake3": .string($0.hashBLAKE3)] }
                ),
                "signer": .string(pack.signerPublicKey), "development_signed": .bool(pack.isDevelopmentSigned),
            ])
        }
    }
}
