/// Wasm components in WAT shared by test targets (built into packs by ``TestPack``).
public enum TestWasm {
    /// Counts its runs in the session's key-value state (`n`) and answers the count as its
    /// payload (one digit: up to 9 runs).
    public static let kvCounter = """
        (module
          (import "greentic:host-import@0.6.0" "state-get" (func $get (param i32 i32 i32 i32) (result i32)))
          (import "greentic:host-import@0.6.0" "state-set" (func $set (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "n")
          (data (i32.const 32) "{\\"payload\\":0}")
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
          (func (export "greentic:component/node@0.6.0#run") (param i32 i32 i32 i32) (result i32)
            (local $n i32)
            (if (i32.eq (call $get (i32.const 16) (i32.const 1) (i32.const 64) (i32.const 4)) (i32.const 4))
              (then (local.set $n (i32.load (i32.const 64)))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (i32.store (i32.const 64) (local.get $n))
            (drop (call $set (i32.const 16) (i32.const 1) (i32.const 64) (i32.const 4)))
            (i32.store8 (i32.const 43) (i32.add (i32.const 48) (local.get $n)))
            (i32.store (i32.const 80) (i32.const 32))
            (i32.store (i32.const 84) (i32.const 13))
            (i32.store (i32.const 88) (local.get 2))
            (i32.store (i32.const 92) (local.get 3))
            (i32.const 80)))
        """
}
