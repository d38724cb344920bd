internal import WasmKit

/// The one place where a thread other than a store's owner touches that store: the watchdog
/// zeroes the fuel of a call that ran past its deadline (or is being shut down).
///
/// WasmKit 0.4.2 has no interrupt, epoch or cancellation API, and out-of-fuel is the only way to
/// stop a running guest. The interpreter re-reads the store's fuel cell at every charge, so
/// writing 0 from another thread makes the guest trap with "out of fuel" at its next charge
/// (STACK.md Part 2 §3 measured this stopping an infinite loop within a few ms of the timer).
///
/// Why `@unchecked Sendable` is acceptable here:
/// * The only operation is ``interrupt()``, a store of `Fuel(remaining: 0)`: an aligned 64-bit
///   write to the fuel cell (plus rewriting the already-true "has fuel" flag). There is no torn
///   value on the 64-bit platforms we support: the interpreter sees either its budget or 0.
/// * The interpreter charges with a non-atomic read-modify-write, so a charge racing with the
///   write can store its decremented budget over the 0 (a lost interrupt, observed in tests).
///   The ``Watchdog`` therefore repeats the write every millisecond until the call ends.
/// * It is formally a data race (a thread sanitizer would flag it), which is the accepted cost of
///   having no interrupt API. It is confined to this type.
/// * The ``Watchdog`` calls ``interrupt()`` only while holding its lock and only for a call that is
///   registered (between `begin` and `end`), so it never writes to a store whose call has ended,
///   and it never holds the last reference to the store (the owning worker does).
/// * The owner thread never writes the fuel while a call is registered: it sets the budget before
///   `Watchdog.begin` and reads it after `Watchdog.end`, so an interrupt cannot be overwritten.
final class FuelInterrupter: @unchecked Sendable {
    private let store: Store

    /// Wraps the store whose calls may need interrupting.
    init(store: Store) {
        self.store = store
    }

    /// Zeroes the store's remaining fuel so the running guest traps at its next fuel charge.
    func interrupt() {
        store.fuel = Fuel(remaining: 0)
    }
}
