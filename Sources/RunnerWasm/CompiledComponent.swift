internal import WasmKit

/// A validated, admitted core module, ready to be invoked by the ``WasmRuntime`` that compiled it.
///
/// Cheap to copy and `Sendable`: it holds WasmKit's parsed `Module` (which is `Sendable`). Code is
/// translated per instance, inside the runtime's worker threads.
public struct CompiledComponent: Sendable {
    /// A display name (used in log metadata and error messages).
    public let name: String
    /// The digest the caller supplied for the bytes (e.g. sha256 hex). Informational: pooling
    /// uses ``identity``, so two components with the same claimed digest never share instances.
    public let digest: String

    /// The parsed module.
    internal let module: Module
    /// Unique per `compile` call; part of every instance-pool key.
    internal let identity: UInt64
    /// Whether the module exports the optional post-return function.
    internal let hasPostReturn: Bool
}
