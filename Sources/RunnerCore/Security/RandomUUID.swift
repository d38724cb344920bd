public import Foundation

extension UUID {
    /// A random (version 4) UUID from the system's random number generator.
    ///
    /// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` on every call:
    /// three system calls where `getrandom` takes one. Run ids and claim tokens are made on
    /// every event, where that showed up in profiles.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }
}
