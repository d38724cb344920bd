;; greeter.wat: the demo pack's component.
;;
;; A core module implementing the greentic:component/node@0.6.0 ABI (SPEC §5):
;;   exports  memory, cabi_realloc, greentic:component/node@0.6.0#run,
;;            cabi_post_greentic:component/node@0.6.0#run
;;   imports  nothing
;;
;; What it does:
;;   * input  = the host's JSON bytes {"input": ..., "config": ..., "ctx": ...}; they are NOT
;;     parsed, only copied.
;;   * state  = a 4-byte little-endian u32 visit counter; empty on the first call (counts as 0).
;;   * output = {"payload":{"visits":N,"request":<input bytes verbatim>}}  (N = previous + 1)
;;   * new state = N as 4-byte little-endian u32.
;;
;; Memory layout (one 64 KiB page to start; grows on demand):
;;   16..37   the text {"payload":{"visits":
;;   48..59   the text ,"request":
;;   64..66   the text }}
;;   72..76   the text null   (used as the request if the input is empty)
;;   96..112  scratch: decimal digits of N, written backwards and ending at 112
;;   1024..   bump-allocated heap; post-return resets it, so nothing leaks across calls
(module
  (memory (export "memory") 1)

  (data (i32.const 16) "{\"payload\":{\"visits\":")
  (data (i32.const 48) ",\"request\":")
  (data (i32.const 64) "}}")
  (data (i32.const 72) "null")

  ;; Where the heap starts, and the next free byte.
  (global $heap_base i32 (i32.const 1024))
  (global $heap (mut i32) (i32.const 1024))

  ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr
  ;; A bump allocator: never frees (post-return resets the whole heap instead). A realloc of an
  ;; existing block copies min(old_size, new_size) bytes into the new block. Traps if memory
  ;; cannot grow (e.g. the host's memory cap was reached).
  (func $cabi_realloc (export "cabi_realloc")
    (param $old_ptr i32) (param $old_size i32) (param $align i32) (param $new_size i32)
    (result i32)
    (local $ptr i32)
    (local $end i64)
    (local $have i64)
    ;; align must be a power of two; treat 0 as 1
    (if (i32.eqz (local.get $align)) (then (local.set $align (i32.const 1))))
    ;; ptr = (heap + align - 1) & -align
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    ;; end = ptr + new_size, computed in 64 bits so it cannot wrap
    (local.set $end
      (i64.add (i64.extend_i32_u (local.get $ptr)) (i64.extend_i32_u (local.get $new_size))))
    ;; grow the memory if the block does not fit (rounding up to whole 64 KiB pages)
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.wrap_i64
                  (i64.shr_u
                    (i64.add (i64.sub (local.get $end) (local.get $have)) (i64.const 65535))
                    (i64.const 16))))
              (i32.const -1))
          (then unreachable))))
    ;; realloc of an existing block: keep its contents
    (if (local.get $old_ptr)
      (then
        (memory.copy
          (local.get $ptr)
          (local.get $old_ptr)
          (select (local.get $old_size) (local.get $new_size)
            (i32.lt_u (local.get $old_size) (local.get $new_size))))))
    (global.set $heap (i32.wrap_i64 (local.get $end)))
    (local.get $ptr))

  ;; run(in_ptr, in_len, st_ptr, st_len) -> ret_ptr
  ;; ret_ptr points at four little-endian u32: out_ptr, out_len, st_ptr, st_len.
  (func $run (export "greentic:component/node@0.6.0#run")
    (param $in_ptr i32) (param $in_len i32) (param $st_ptr i32) (param $st_len i32)
    (result i32)
    (local $visits i32)   ;; N
    (local $n i32)        ;; N while it is being turned into digits
    (local $ndig i32)     ;; number of decimal digits of N
    (local $out i32)      ;; output buffer
    (local $out_len i32)
    (local $p i32)        ;; write cursor into the output
    (local $st i32)       ;; new-state buffer
    (local $ret i32)      ;; the 16-byte result record

    ;; 1. N = previous counter + 1 (a state shorter than 4 bytes counts as 0)
    (if (i32.ge_u (local.get $st_len) (i32.const 4))
      (then (local.set $visits (i32.load align=1 (local.get $st_ptr)))))
    (local.set $visits (i32.add (local.get $visits) (i32.const 1)))

    ;; 2. decimal digits of N, least significant first, stored backwards ending at 112
    (local.set $n (local.get $visits))
    (loop $digits
      (local.set $ndig (i32.add (local.get $ndig) (i32.const 1)))
      (i32.store8
        (i32.sub (i32.const 112) (local.get $ndig))
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))

    ;; an empty input becomes the JSON literal null, so the output stays valid JSON
    (if (i32.eqz (local.get $in_len))
      (then
        (local.set $in_ptr (i32.const 72))
        (local.set $in_len (i32.const 4))))

    ;; 3. allocate the output: 21 + digits + 11 + input + 2 bytes
    (local.set $out_len
      (i32.add
        (i32.add (i32.const 34) (local.get $ndig))
        (local.get $in_len)))
    (local.set $out
      (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $out_len)))

    ;; 4. fill it: {"payload":{"visits":  N  ,"request":  <input>  }}
    (local.set $p (local.get $out))
    (memory.copy (local.get $p) (i32.const 16) (i32.const 21))
    (local.set $p (i32.add (local.get $p) (i32.const 21)))
    (memory.copy (local.get $p) (i32.sub (i32.const 112) (local.get $ndig)) (local.get $ndig))
    (local.set $p (i32.add (local.get $p) (local.get $ndig)))
    (memory.copy (local.get $p) (i32.const 48) (i32.const 11))
    (local.set $p (i32.add (local.get $p) (i32.const 11)))
    (memory.copy (local.get $p) (local.get $in_ptr) (local.get $in_len))
    (local.set $p (i32.add (local.get $p) (local.get $in_len)))
    (memory.copy (local.get $p) (i32.const 64) (i32.const 2))

    ;; 5. new state: N as a 4-byte little-endian u32
    (local.set $st (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 4)))
    (i32.store (local.get $st) (local.get $visits))

    ;; 6. the result record
    (local.set $ret (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 16)))
    (i32.store offset=0 (local.get $ret) (local.get $out))
    (i32.store offset=4 (local.get $ret) (local.get $out_len))
    (i32.store offset=8 (local.get $ret) (local.get $st))
    (i32.store offset=12 (local.get $ret) (i32.const 4))
    (local.get $ret))

  ;; post-return: the host has copied the result out, so free everything at once.
  (func (export "cabi_post_greentic:component/node@0.6.0#run") (param $ret_ptr i32)
    (global.set $heap (global.get $heap_base)))
)
