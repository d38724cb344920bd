public import Foundation
import RunnerFlow
public import RunnerPacks
import RunnerWasm

/// Builds real, signed gtpacks for tests from flow sources and WAT components.
public struct TestPack: Sendable {
    public var packID: String
    public var version: String
    /// YGTC sources.
    public var flows: [String]
    /// Component name → WAT source.
    public var components: [String: String]
    public var signingKey: PackSigningKey

    public init(
        packID: String = "test.pack",
        version: String = "1.0.0",
        flows: [String],
        components: [String: String] = [:],
        signingKey: PackSigningKey = .developmentKey
    ) {
        self.packID = packID
        self.version = version
        self.flows = flows
        self.components = components
        self.signingKey = signingKey
    }

    /// The archive bytes.
    public func build() throws -> [UInt8] {
        let flowIDs = try flows.map { try FlowDefinition(ygtc: $0, file: "test").id }
        let meta = PackManifest.Meta(packID: packID, version: version, name: packID, entryFlows: flowIDs.sorted(), createdAtUTC: "")
        let componentInputs = try components.sorted { $0.key < $1.key }.map { name, wat in
            PackBuilder.ComponentInput(name: name, version: version, wasm: try WATCompiler.compile(wat))
        }
        let input = PackBuilder.Input(
            meta: meta,
            flows: flows.enumerated().map { PackBuilder.FlowInput(yaml: $0.element, source: "flows/\($0.offset).ygtc") },
            components: componentInputs
        )
        return try PackBuilder(signingKey: signingKey).build(input).archive
    }

    /// Builds the pack and writes it to `url`; returns its `sha256:` digest.
    @discardableResult
    public func write(to url: URL) throws -> String {
        let bytes = try build()
        try Data(bytes).write(to: url)
        return PackDigest.sha256(of: bytes)
    }
}
