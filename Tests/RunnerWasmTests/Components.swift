/// Test components: real core modules in WAT, compiled with WasmKit's `wat2wasm` by the tests.
enum Components {
    static let run = "greentic:component/node@0.6.0#run"
    static let post = "cabi_post_greentic:component/node@0.6.0#run"
    static let host = "greentic:host-import@0.6.0"

    /// Shared pieces: a 2-page memory, a never-freeing bump allocator exported as `cabi_realloc`,
    /// and `$ret`, which writes the result record at 64 and returns 64.
    static let abi = """
        (memory (export "memory") 2)
        (global $heap (mut i32) (i32.const 4096))
        (func $alloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
          (local $p i32)
          (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
          (global.set $heap (i32.add (local.get $p) (local.get 3)))
          (local.get $p))
        (func $ret (param i32 i32 i32 i32) (result i32)
          (i32.store (i32.const 64) (local.get 0)) (i32.store (i32.const 68) (local.get 1))
          (i32.store (i32.const 72) (local.get 2)) (i32.store (i32.const 76) (local.get 3))
          (i32.const 64))
        """

    /// The run signature with named parameters.
    static let params = "(param $ip i32) (param $il i32) (param $sp i32) (param $sl i32) (result i32)"

    /// echo: output = `{"payload":` + input + `}`; new state = the state passed in.
    static let echo = """
        (module \(abi)
          (data (i32.const 128) "{\\"payload\\":")
          (func (export "\(run)") \(params) (local $o i32)
            (local.set $o (call $alloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (local.get $il) (i32.const 12))))
            (memory.copy (local.get $o) (i32.const 128) (i32.const 11))
            (memory.copy (i32.add (local.get $o) (i32.const 11)) (local.get $ip) (local.get $il))
            (i32.store8 (i32.add (local.get $o) (i32.add (local.get $il) (i32.const 11))) (i32.const 125))
            (call $ret (local.get $o) (i32.add (local.get $il) (i32.const 12)) (local.get $sp) (local.get $sl))))
        """

    /// counter: state is a u32 (absent = 0); increments it; output = new state = the new count.
    static let counter = """
        (module \(abi)
          (func (export "\(run)") \(params) (local $c i32)
            (if (i32.ge_u (local.get $sl) (i32.const 4)) (then (local.set $c (i32.load (local.get $sp)))))
            (i32.store (i32.const 256) (i32.add (local.get $c) (i32.const 1)))
            (call $ret (i32.const 256) (i32.const 4) (i32.const 256) (i32.const 4))))
        """

    /// stateful: a global counts calls on this instance (output u32); input starting with `X`
    /// traps after counting. Shows instance reuse, key isolation and discard-after-trap.
    static let stateful = """
        (module \(abi)
          (global $calls (mut i32) (i32.const 0))
          (func (export "\(run)") \(params)
            (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
            (if (i32.and (i32.ne (local.get $il) (i32.const 0)) (i32.eq (i32.load8_u (local.get $ip)) (i32.const 88)))
              (then unreachable))
            (i32.store (i32.const 256) (global.get $calls))
            (call $ret (i32.const 256) (i32.const 4) (i32.const 0) (i32.const 0))))
        """

    /// postReturn: run outputs how many times post-return has run on this instance; post-return
    /// increments it (and traps unless given the ret_ptr run returned).
    static let postReturn = """
        (module \(abi)
          (global $posted (mut i32) (i32.const 0))
          (func (export "\(run)") \(params)
            (i32.store (i32.const 256) (global.get $posted))
            (call $ret (i32.const 256) (i32.const 4) (i32.const 0) (i32.const 0)))
          (func (export "\(post)") (param $r i32)
            (if (i32.ne (local.get $r) (i32.const 64)) (then unreachable))
            (global.set $posted (i32.add (global.get $posted) (i32.const 1)))))
        """

    /// kv: exercises state-set/get/delete; output = 11 i32 results at offset 0, the 16-byte
    /// get buffer at 88 (600 in memory) and the preloaded "pre" value at 188 (700).
    static let kv = """
        (module
          (import "\(host)" "state-get" (func $get (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "state-set" (func $set (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "state-delete" (func $del (param i32 i32) (result i32)))
          \(abi)
          (data (i32.const 200) "k") (data (i32.const 210) "hello") (data (i32.const 220) "pre")
          (data (i32.const 230) "missing") (data (i32.const 240) "k2") (data (i32.const 245) "v2")
          (func (export "\(run)") \(params)
            (i32.store (i32.const 512) (call $set (i32.const 200) (i32.const 1) (i32.const 210) (i32.const 5)))
            (i32.store (i32.const 516) (call $get (i32.const 200) (i32.const 1) (i32.const 600) (i32.const 2)))
            (i32.store (i32.const 520) (call $get (i32.const 200) (i32.const 1) (i32.const 600) (i32.const 16)))
            (i32.store (i32.const 524) (call $get (i32.const 230) (i32.const 7) (i32.const 800) (i32.const 16)))
            (i32.store (i32.const 528) (call $get (i32.const 220) (i32.const 3) (i32.const 700) (i32.const 16)))
            (i32.store (i32.const 532) (call $del (i32.const 200) (i32.const 1)))
            (i32.store (i32.const 536) (call $del (i32.const 200) (i32.const 1)))
            (i32.store (i32.const 540) (call $get (i32.const 200) (i32.const 1) (i32.const 800) (i32.const 16)))
            (i32.store (i32.const 544) (call $set (i32.const 1000) (i32.const 300) (i32.const 210) (i32.const 1)))
            (i32.store (i32.const 548) (call $set (i32.const 240) (i32.const 2) (i32.const 245) (i32.const 2)))
            (i32.store (i32.const 552) (call $del (i32.const 220) (i32.const 3)))
            (call $ret (i32.const 512) (i32.const 208) (i32.const 0) (i32.const 0))))
        """

    /// kvLimits: output = [set 64 KiB value, set 64 KiB + 1 value, successes of 1,000 new
    /// three-letter keys, result of the last of them].
    static let kvLimits = """
        (module
          (import "\(host)" "state-set" (func $set (param i32 i32 i32 i32) (result i32)))
          \(abi)
          (func (export "\(run)") \(params) (local $i i32) (local $r i32) (local $ok i32)
            (i32.store (i32.const 512) (call $set (i32.const 200) (i32.const 3) (i32.const 0) (i32.const 65536)))
            (i32.store (i32.const 516) (call $set (i32.const 203) (i32.const 3) (i32.const 0) (i32.const 65537)))
            (loop $l
              (i32.store8 (i32.const 300) (i32.add (i32.const 97) (i32.rem_u (local.get $i) (i32.const 26))))
              (i32.store8 (i32.const 301) (i32.add (i32.const 97) (i32.rem_u (i32.div_u (local.get $i) (i32.const 26)) (i32.const 26))))
              (i32.store8 (i32.const 302) (i32.add (i32.const 97) (i32.div_u (local.get $i) (i32.const 676))))
              (local.set $r (call $set (i32.const 300) (i32.const 3) (i32.const 0) (i32.const 1)))
              (if (i32.eqz (local.get $r)) (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
            (i32.store (i32.const 520) (local.get $ok))
            (i32.store (i32.const 524) (local.get $r))
            (call $ret (i32.const 512) (i32.const 16) (i32.const 0) (i32.const 0)))
          (data (i32.const 200) "bigBIG"))
        """

    /// hostMisc: now-ms (i64 at 0), random-fill (8 bytes at 8), http-fetch result (16), secret-get
    /// "api" (n at 20, bytes at 88) and "nope" (24); sends telemetry events "e1" and "e2".
    static let hostMisc = """
        (module
          (import "\(host)" "now-ms" (func $now (result i64)))
          (import "\(host)" "random-fill" (func $rand (param i32 i32)))
          (import "\(host)" "http-fetch" (func $http (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "secret-get" (func $secret (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "telemetry-event" (func $tel (param i32 i32)))
          \(abi)
          (data (i32.const 200) "api") (data (i32.const 210) "nope") (data (i32.const 220) "e1e2")
          (func (export "\(run)") \(params)
            (i64.store (i32.const 512) (call $now))
            (call $rand (i32.const 520) (i32.const 8))
            (i32.store (i32.const 528) (call $http (i32.const 200) (i32.const 3) (i32.const 800) (i32.const 16)))
            (i32.store (i32.const 532) (call $secret (i32.const 200) (i32.const 3) (i32.const 600) (i32.const 32)))
            (i32.store (i32.const 536) (call $secret (i32.const 210) (i32.const 4) (i32.const 700) (i32.const 32)))
            (call $tel (i32.const 220) (i32.const 2))
            (call $tel (i32.const 222) (i32.const 2))
            (call $ret (i32.const 512) (i32.const 128) (i32.const 0) (i32.const 0))))
        """

    /// logger: one line per level 0–4 ("level-N"), one 5,000-byte line of `x`, then 150 "spam".
    static let logger = """
        (module
          (import "\(host)" "log" (func $log (param i32 i32 i32)))
          \(abi)
          (data (i32.const 200) "level-0level-1level-2level-3level-4spam")
          (func (export "\(run)") \(params) (local $i i32)
            (loop $levels
              (call $log (local.get $i) (i32.add (i32.const 200) (i32.mul (local.get $i) (i32.const 7))) (i32.const 7))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $levels (i32.lt_u (local.get $i) (i32.const 5))))
            (memory.fill (i32.const 1000) (i32.const 120) (i32.const 5000))
            (call $log (i32.const 2) (i32.const 1000) (i32.const 5000))
            (local.set $i (i32.const 0))
            (loop $spam
              (call $log (i32.const 2) (i32.const 235) (i32.const 4))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $spam (i32.lt_u (local.get $i) (i32.const 150))))
            (call $ret (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
        """

    /// spin: logs "spinning", then loops forever.
    static let spin = """
        (module
          (import "\(host)" "log" (func $log (param i32 i32 i32)))
          \(abi)
          (data (i32.const 200) "spinning")
          (func (export "\(run)") \(params)
            (call $log (i32.const 2) (i32.const 200) (i32.const 8))
            (loop $forever (br $forever))
            (unreachable)))
        """

    /// memoryHog: grows by one page until memory.grow returns −1; output = pages gained (u32).
    static let memoryHog = """
        (module \(abi)
          (func (export "\(run)") \(params) (local $n i32)
            (block $done
              (loop $grow
                (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (br $grow)))
            (i32.store (i32.const 256) (local.get $n))
            (call $ret (i32.const 256) (i32.const 4) (i32.const 0) (i32.const 0))))
        """

    /// badRet: returns a ret_ptr whose 16-byte record runs past the end of memory.
    static let badRet = """
        (module \(abi)
          (func (export "\(run)") \(params) (i32.const 0xFFFFFFF0)))
        """

    /// badRange: empty input → out_len 0xFFFFFFF0; otherwise out_ptr 0xFFFFFFF0 with out_len
    /// 0x20 (wraps to 0x10 in u32 arithmetic).
    static let badRange = """
        (module \(abi)
          (func (export "\(run)") \(params)
            (if (result i32) (i32.eqz (local.get $il))
              (then (call $ret (i32.const 0) (i32.const 0xFFFFFFF0) (i32.const 0) (i32.const 0)))
              (else (call $ret (i32.const 0xFFFFFFF0) (i32.const 0x20) (i32.const 0) (i32.const 0))))))
        """

    /// hostileImports: the first input byte selects an import to call with a bad range:
    /// `0` log, `1` random-fill, `2` random-fill over its cap, `3` state-get output, `4` state-set
    /// value, `5` telemetry-event, `6` secret-get output, `7` http-fetch request, `8` state-delete key.
    static let hostileImports = """
        (module
          (import "\(host)" "log" (func $log (param i32 i32 i32)))
          (import "\(host)" "random-fill" (func $rand (param i32 i32)))
          (import "\(host)" "state-get" (func $get (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "state-set" (func $set (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "telemetry-event" (func $tel (param i32 i32)))
          (import "\(host)" "secret-get" (func $secret (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "http-fetch" (func $http (param i32 i32 i32 i32) (result i32)))
          (import "\(host)" "state-delete" (func $del (param i32 i32) (result i32)))
          \(abi)
          (func (export "\(run)") \(params)
            (block $exit (block $b8 (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
              (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b0 (i32.sub (i32.load8_u (local.get $ip)) (i32.const 48))))
              (call $log (i32.const 2) (i32.const 0xFFFFFFF0) (i32.const 0x20)) (br $exit))
              (call $rand (i32.const 0xFFFFFFFF) (i32.const 2)) (br $exit))
              (call $rand (i32.const 0) (i32.const 65537)) (br $exit))
              (drop (call $get (i32.const 0) (i32.const 1) (i32.const 131000) (i32.const 100))) (br $exit))
              (drop (call $set (i32.const 0) (i32.const 1) (i32.const 0x7FFFFFFF) (i32.const 1))) (br $exit))
              (call $tel (i32.const 131071) (i32.const 2)) (br $exit))
              (drop (call $secret (i32.const 0) (i32.const 1) (i32.const 0xFFFFFFFF) (i32.const 1))) (br $exit))
              (drop (call $http (i32.const 0xFFFFFF00) (i32.const 0x200) (i32.const 0) (i32.const 0))) (br $exit))
            (drop (call $del (i32.const 0x20000) (i32.const 1))))
            (call $ret (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
        """

    /// startSpin: a start function that never returns (it runs at instantiation, so only in a
    /// worker under fuel and deadline; compile-time validation skips it).
    static let startSpin = """
        (module \(abi)
          (func $start (loop $forever (br $forever)))
          (start $start)
          (func (export "\(run)") \(params) (i32.const 64)))
        """

    // MARK: - Modules that must be rejected at compile time

    /// Imports `env.foo`.
    static let unknownImport = """
        (module (import "env" "foo" (func)) \(abi) (func (export "\(run)") \(params) (i32.const 64)))
        """

    /// Imports WASI's fd_write.
    static let wasiImport = """
        (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
          \(abi) (func (export "\(run)") \(params) (i32.const 64)))
        """

    /// Imports `log` with a wrong signature.
    static let wrongSignature = """
        (module (import "\(host)" "log" (func (param i32 i32))) \(abi) (func (export "\(run)") \(params) (i32.const 64)))
        """

    /// No run export.
    static let missingRun = "(module \(abi))"

    /// run has the wrong type.
    static let wrongRunType = "(module \(abi) (func (export \"\(run)\") (param i32) (result i32) (i32.const 64)))"

    /// A function body that does not type-check (wat2wasm accepts it; eager validation must not).
    static let illTyped = """
        (module \(abi) (func (export "\(run)") \(params) (i32.const 64))
          (func (result i32) i32.const 1 i32.add))
        """

    /// 200 pages (12.5 MiB) of initial memory.
    static let bigMemory = """
        (module (memory (export "memory") 200)
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
          (func (export "\(run)") \(params) (i32.const 64)))
        """

    /// The component-model preamble: magic, version 0x0d, layer 1.
    static let componentModelPreamble: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00]
}
