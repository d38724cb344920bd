public import Foundation

extension Date {
    /// Milliseconds since 1970, rounded to the nearest; clamped to `Int64`'s range. The stores
    /// keep every time in this form.
    public var epochMilliseconds: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        if let exact = Int64(exactly: milliseconds) { return exact }
        return milliseconds < 0 ? .min : .max
    }

    /// The instant `epochMilliseconds` milliseconds after 1970.
    public init(epochMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(epochMilliseconds) / 1000)
    }
}
