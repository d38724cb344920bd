public import Foundation
import Synchronization

/// A wall clock that moves only when a test says so: pass ``now`` wherever a component takes
/// a `@Sendable () -> Date`.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = Mutex(start)
    }

    /// The current time.
    public var now: Date { current.withLock { $0 } }

    /// A closure reading this clock.
    public var reader: @Sendable () -> Date { { [self] in self.now } }

    /// Moves the clock forward.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the clock.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
