import RunnerWasm
import Testing
import WAT
import WasmKit

/// Compile-time admission: binary kind, imports, exports, eager validation, memory ceiling.
@Suite struct AdmissionTests {
    let runtime = makeRuntime()

    private func compileError(_ wat: String) -> WasmError? {
        do {
            _ = try component(wat, on: runtime, name: "bad")
            Issue.record("expected compile to fail")
            return nil
        } catch let error as WasmError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func unknownImportIsRejectedByName() {
        let error = compileError(Components.unknownImport)
        #expect(error?.code == .unsupportedImport)
        #expect(error?.message.contains("env.foo") == true)
        runtime.shutdown()
    }

    @Test func wasiImportIsRejected() {
        let error = compileError(Components.wasiImport)
        #expect(error?.code == .unsupportedImport)
        #expect(error?.message.contains("wasi_snapshot_preview1.fd_write") == true)
        runtime.shutdown()
    }

    @Test func wrongImportSignatureIsRejected() {
        let error = compileError(Components.wrongSignature)
        #expect(error?.code == .unsupportedImport)
        #expect(error?.message.contains("greentic:host-import@0.6.0.log") == true)
        #expect(error?.message.contains("expected (i32, i32, i32) -> ()") == true)
        runtime.shutdown()
    }

    @Test func missingRunExportIsRejected() {
        let error = compileError(Components.missingRun)
        #expect(error?.code == .missingExport)
        #expect(error?.message.contains(Components.run) == true)
        runtime.shutdown()
    }

    @Test func mistypedRunExportIsRejected() {
        let error = compileError(Components.wrongRunType)
        #expect(error?.code == .missingExport)
        runtime.shutdown()
    }

    @Test func componentModelBinaryIsRejectedWithAdvice() {
        do {
            _ = try runtime.compile(name: "cm", digest: "d", bytes: Components.componentModelPreamble + [0x00])
            Issue.record("expected a component-model rejection")
        } catch {
            #expect(error.code == .componentModelBinary)
            #expect(error.message.contains("core wasm module"))
            #expect(error.message.contains("wasm-tools component unbundle"))
        }
        runtime.shutdown()
    }

    @Test func garbageIsInvalid() {
        #expect(throws: WasmError.self) { try runtime.compile(name: "junk", digest: "d", bytes: [1, 2, 3, 4]) }
        do {
            _ = try runtime.compile(name: "junk", digest: "d", bytes: [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0xFF])
        } catch {
            #expect(error.code == .invalidModule)
        }
        runtime.shutdown()
    }

    /// WasmKit's parser (lazy validation) accepts the ill-typed body; eager validation rejects it.
    @Test func illTypedBodyIsRejectedAtCompileTime() throws {
        _ = try parseWasm(bytes: wat2wasm(Components.illTyped))
        let error = compileError(Components.illTyped)
        #expect(error?.code == .invalidModule)
        #expect(error?.message.contains("validation failed") == true)
        runtime.shutdown()
    }

    @Test func initialMemoryAboveTheCompileCeilingIsRejected() throws {
        let small = WasmRuntime(configuration: .init(workerCount: 1, compileMemoryCeilingBytes: 1 << 20))
        do {
            _ = try small.compile(name: "big", digest: "d", bytes: wat2wasm(Components.bigMemory))
            Issue.record("expected memoryLimit")
        } catch let error as WasmError {
            #expect(error.code == .memoryLimit)
        }
        small.shutdown()
        runtime.shutdown()
    }

    @Test func validComponentKeepsNameAndDigest() throws {
        let compiled = try runtime.compile(name: "echo", digest: "abc123", bytes: wat2wasm(Components.echo))
        #expect(compiled.name == "echo")
        #expect(compiled.digest == "abc123")
        runtime.shutdown()
    }
}
