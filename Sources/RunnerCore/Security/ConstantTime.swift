/// Comparisons whose running time does not depend on where two secrets differ.
public enum ConstantTime {
    /// Whether `lhs` and `rhs` are equal, examining every byte of both whatever their content.
    /// Only the lengths leak, as with every HMAC or token comparison.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        var right = rhs.makeIterator()
        for left in lhs {
            difference |= left ^ (right.next() ?? 0)
        }
        return difference == 0 && lhs.count == rhs.count
    }

    /// String form of ``equals(_:_:)`` over the UTF-8 bytes.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}
