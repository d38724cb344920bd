internal import ArgumentParser
internal import Foundation
internal import RunnerCore
internal import RunnerPacks

/// `greentic-runner index sign`.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index", abstract: "Work with pack indexes.", subcommands: [Sign.self])

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin and sign every fs pack of an index.",
            discussion: """
                For each main pack and overlay with a local locator, writes `digest` (sha256 of the file) \
                and `signature` (Ed25519 over the ASCII digest string, checked by the server against \
                PACK_PUBLIC_KEY). Other fields are kept.
                """
        )

        @Argument(help: "The index JSON file (flat form).")
        var index: String

        @Option(help: "Ed25519 private key (PKCS#8 PEM).")
        var key: String

        @Option(name: [.short, .customLong("output")], help: "Where to write the signed index (default: in place).")
        var output: String?

        func run() async throws {
            let signingKey = try PackSigningKey(contentsOf: URL(fileURLWithPath: key))
            let indexURL = URL(fileURLWithPath: index)
            guard case .object(var root) = try JSONValue(parsing: try CLIInput.read(index)) else {
                throw ValidationError("\(index) is not a JSON object")
            }
            let wrapped = root["tenants"]?.objectValue != nil
            var tenants = wrapped ? (root["tenants"]?.objectValue ?? [:]) : root
            for (tenant, record) in tenants {
                guard case .object(var members) = record else { continue }
                if let main = members["main_pack"] {
                    members["main_pack"] = try sign(main, base: indexURL, signingKey: signingKey, tenant: tenant)
                }
                if let overlays = members["overlays"]?.arrayValue {
                    members["overlays"] = .array(try overlays.map { try sign($0, base: indexURL, signingKey: signingKey, tenant: tenant) })
                }
                tenants[tenant] = .object(members)
            }
            if wrapped { root["tenants"] = .object(tenants) } else { root = tenants }
            let text = String(decoding: JSONValue.object(root).serializedBytes(), as: UTF8.self)
            try CLIOutput.write(PrettyJSON.format(text).utf8, to: output ?? index)
            print(signingKey.publicKeyString)
        }

        private func sign(_ entry: JSONValue, base: URL, signingKey: PackSigningKey, tenant: String) throws -> JSONValue {
            guard case .object(var members) = entry, let locator = (members["locator"] ?? members["path"])?.stringValue else {
                return entry
            }
            guard !locator.contains("://") || locator.hasPrefix("fs://") || locator.hasPrefix("file://") else { return entry }
            let path = locator.replacingOccurrences(of: "fs://", with: "").replacingOccurrences(of: "file://", with: "")
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.deletingLastPathComponent().appendingPathComponent(path)
            let digest = PackDigest.sha256(of: try CLIInput.read(url.path))
            members["digest"] = .string(digest)
            members["signature"] = .string(try signingKey.signIndexDigest(digest))
            return .object(members)
        }
    }
}
