;; counter: returns {"payload": <the host's input JSON, verbatim>} like echo, and writes its
;; state: a little-endian u32 counting the calls on the session (so every run commits state).
;; A bump allocator reset by post-return; no imports.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "{\"payload\":")
  (data (i32.const 32) "}")
  (global $heap (mut i32) (i32.const 1024))

  (func $alloc (param $size i32) (result i32)
    (local $ptr i32)
    (local $needed i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    ;; grow when the new end passes the current memory size
    (local.set $needed
      (i32.sub
        (i32.shr_u (i32.add (global.get $heap) (i32.const 65535)) (i32.const 16))
        (memory.size)))
    (if (i32.gt_s (local.get $needed) (i32.const 0))
      (then (if (i32.eq (memory.grow (local.get $needed)) (i32.const -1)) (then unreachable))))
    (local.get $ptr))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (call $alloc (local.get 3)))

  ;; run(in_ptr, in_len, st_ptr, st_len) -> ret_ptr
  (func (export "greentic:component/node@0.6.0#run") (param $in i32) (param $len i32) (param $st i32) (param $stlen i32) (result i32)
    (local $out i32)
    (local $ret i32)
    (local $state i32)
    (local $count i32)
    (local.set $out (call $alloc (i32.add (local.get $len) (i32.const 12))))
    (memory.copy (local.get $out) (i32.const 16) (i32.const 11))
    (memory.copy (i32.add (local.get $out) (i32.const 11)) (local.get $in) (local.get $len))
    (memory.copy (i32.add (i32.add (local.get $out) (i32.const 11)) (local.get $len)) (i32.const 32) (i32.const 1))
    (if (i32.eq (local.get $stlen) (i32.const 4))
      (then (local.set $count (i32.load (local.get $st)))))
    (local.set $state (call $alloc (i32.const 4)))
    (i32.store (local.get $state) (i32.add (local.get $count) (i32.const 1)))
    (local.set $ret (call $alloc (i32.const 16)))
    (i32.store (local.get $ret) (local.get $out))
    (i32.store offset=4 (local.get $ret) (i32.add (local.get $len) (i32.const 12)))
    (i32.store offset=8 (local.get $ret) (local.get $state))
    (i32.store offset=12 (local.get $ret) (i32.const 4))
    (local.get $ret))

  (func (export "cabi_post_greentic:component/node@0.6.0#run") (param i32)
    (global.set $heap (i32.const 1024))))
