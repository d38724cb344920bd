@_spi(Fuzzing) internal import WasmKit
internal import WasmParser

/// Compile-time admission of a pack component: binary-kind detection, parsing, import and export
/// checks against the ABI of SPEC §5, and eager validation of every function body.
enum ModuleAdmission {
    /// The node's `run` export.
    static let runExport = "greentic:component/node@0.6.0#run"
    /// The optional post-return export, called after the host copied the result out.
    static let postReturnExport = "cabi_post_greentic:component/node@0.6.0#run"
    /// The guest allocator export.
    static let reallocExport = "cabi_realloc"
    /// The linear memory export.
    static let memoryExport = "memory"

    private static let fourI32ToI32 = FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [.i32])
    private static let postReturnType = FunctionType(parameters: [.i32])

    /// Admits `bytes` or throws a ``WasmError`` that names the problem.
    ///
    /// Eager validation: WasmKit's default lazy mode validates a function body only when it is
    /// first called, so the module is instantiated once in a throwaway store on `validationEngine`
    /// (configured with `.eager` compilation), which translates and so validates every body. The
    /// start function is dropped for this probe so no guest code runs at compile time; the probe's
    /// memory is capped at `memoryCeilingBytes`.
    static func admit(
        name: String,
        digest: String,
        bytes: [UInt8],
        identity: UInt64,
        validationEngine: Engine,
        memoryCeilingBytes: Int
    ) throws(WasmError) -> CompiledComponent {
        try rejectComponentModelBinary(name: name, bytes)
        let module: Module
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw WasmError(.invalidModule, "\(name): not a valid core wasm module: \(error)")
        }
        try checkImports(name: name, module)

        var probe = module
        probe.dropStartFunction()
        let store = Store(engine: validationEngine)
        let limiter = MemoryLimiter(capBytes: memoryCeilingBytes)
        store.resourceLimiter = limiter
        let instance: Instance
        do {
            instance = try probe.instantiate(store: store, imports: HostImports.imports(store: store, context: nil))
        } catch {
            if limiter.denials > 0 {
                throw WasmError(
                    .memoryLimit,
                    "\(name): initial memory exceeds the runtime ceiling of \(memoryCeilingBytes) bytes"
                )
            }
            throw WasmError(.invalidModule, "\(name): validation failed: \(error)")
        }
        let hasPostReturn = try checkExports(name: name, instance)
        return CompiledComponent(
            name: name,
            digest: digest,
            module: module,
            identity: identity,
            hasPostReturn: hasPostReturn
        )
    }

    /// Rejects the component-model preamble (`\0asm` + version `0d 00` + layer `01 00`).
    static func rejectComponentModelBinary(name: String, _ bytes: [UInt8]) throws(WasmError) {
        guard bytes.count >= 8, bytes[0..<4].elementsEqual([0x00, 0x61, 0x73, 0x6D]),
            bytes[6] == 0x01, bytes[7] == 0x00
        else { return }
        throw WasmError(
            .componentModelBinary,
            "\(name): this is a component-model binary; build a core wasm module exporting "
                + "\(runExport), \(reallocExport) and \(memoryExport) instead (e.g. clang --target=wasm32 "
                + "-nostdlib -Wl,--no-entry, or extract the core module with `wasm-tools component unbundle`)"
        )
    }

    private static func checkImports(name: String, _ module: Module) throws(WasmError) {
        var problems: [String] = []
        for entry in module.imports {
            let label = "\(entry.module).\(entry.name)"
            guard entry.module == HostImports.moduleName, let expected = HostImports.signatures[entry.name] else {
                problems.append("`\(label)` is not provided")
                continue
            }
            guard case .function(let typeIndex) = entry.descriptor else {
                problems.append("`\(label)` must be imported as a function")
                continue
            }
            let actual = module.functionType(at: typeIndex)
            if actual != expected {
                problems.append(
                    "`\(label)` has type \(actual.map(describe) ?? "?"), expected \(describe(expected))"
                )
            }
        }
        guard problems.isEmpty else {
            let allowed = HostImports.signatures.keys.sorted().joined(separator: ", ")
            throw WasmError(
                .unsupportedImport,
                "\(name): unsupported import(s): \(problems.joined(separator: "; ")). Pack components may "
                    + "import only these functions from \(HostImports.moduleName): \(allowed) (no WASI)"
            )
        }
    }

    /// Checks the required exports; returns whether the optional post-return export exists.
    private static func checkExports(name: String, _ instance: Instance) throws(WasmError) -> Bool {
        guard instance.exports[memory: memoryExport] != nil else {
            throw WasmError(.missingExport, "\(name): missing export `\(memoryExport)` (a memory)")
        }
        for export in [reallocExport, runExport] {
            guard let function = instance.exports[function: export] else {
                throw WasmError(.missingExport, "\(name): missing function export `\(export)`")
            }
            guard function.type == fourI32ToI32 else {
                throw WasmError(
                    .missingExport,
                    "\(name): export `\(export)` has type \(describe(function.type)), expected \(describe(fourI32ToI32))"
                )
            }
        }
        guard instance.exports[postReturnExport] != nil else { return false }
        guard let post = instance.exports[function: postReturnExport], post.type == postReturnType else {
            throw WasmError(
                .missingExport,
                "\(name): export `\(postReturnExport)` must be a function of type \(describe(postReturnType))"
            )
        }
        return true
    }

    private static func describe(_ type: FunctionType) -> String {
        let params = type.parameters.map { "\($0)" }.joined(separator: ", ")
        let results = type.results.map { "\($0)" }.joined(separator: ", ")
        return "(\(params)) -> (\(results))"
    }
}
