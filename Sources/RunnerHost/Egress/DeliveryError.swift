/// A reply that could not be delivered.
struct DeliveryError: Error, Sendable, CustomStringConvertible {
    let message: String
    /// Retrying cannot help (bad token, chat not found).
    let permanent: Bool
    /// The provider's `Retry-After`, when given.
    var retryAfterSeconds: Int?

    var description: String { message }
}
