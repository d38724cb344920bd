internal import WAT

/// Compiles WebAssembly text into a binary module (used by `pack build` for `component.wat`).
public enum WATCompiler {
    /// The binary module for `text`.
    ///
    /// Note: the text is not type-checked here; the runtime validates modules eagerly when a
    /// pack loads, so an ill-typed module is still refused before it runs.
    ///
    /// - Throws: ``WasmError`` with code `invalidModule` and the parser's message.
    public static func compile(_ text: String) throws(WasmError) -> [UInt8] {
        do {
            return try wat2wasm(text)
        } catch {
            throw WasmError(.invalidModule, "WAT does not parse: \(error)")
        }
    }
}
