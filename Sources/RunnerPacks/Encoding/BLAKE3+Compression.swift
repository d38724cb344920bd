/// The BLAKE3 compression function and the small fixed-size word types it works on.
///
/// Everything here is internal to ``BLAKE3``. The state is kept in scalar locals and
/// homogeneous tuples (never arrays) so that even unoptimised debug builds avoid heap
/// traffic and bounds checks in the hot loop.
extension BLAKE3 {
    /// Eight 32-bit words: a chaining value or a key.
    typealias Words8 = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    /// Sixteen 32-bit words: a message block or a full compression output.
    typealias Words16 = (
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32
    )

    static let blockLength = 64
    static let chunkLength = 1024

    static let chunkStart: UInt32 = 1 << 0
    static let chunkEnd: UInt32 = 1 << 1
    static let parent: UInt32 = 1 << 2
    static let root: UInt32 = 1 << 3
    static let keyedHash: UInt32 = 1 << 4
    static let deriveKeyContext: UInt32 = 1 << 5
    static let deriveKeyMaterial: UInt32 = 1 << 6

    static let iv: Words8 = (
        0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A,
        0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19
    )

    static let zeroBlock: Words16 = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    /// The quarter-round mixing function `G`.
    @inline(__always)
    static func mix(
        _ a: inout UInt32,
        _ b: inout UInt32,
        _ c: inout UInt32,
        _ d: inout UInt32,
        _ mx: UInt32,
        _ my: UInt32
    ) {
        a = a &+ b &+ mx
        d ^= a
        d = (d >> 16) | (d << 16)
        c = c &+ d
        b ^= c
        b = (b >> 12) | (b << 20)
        a = a &+ b &+ my
        d ^= a
        d = (d >> 8) | (d << 24)
        c = c &+ d
        b ^= c
        b = (b >> 7) | (b << 25)
    }

    /// Compresses one 64-byte block (as little-endian words) and returns all sixteen output words.
    static func compress(
        _ cv: Words8,
        _ block: Words16,
        counter: UInt64,
        blockLength: UInt32,
        flags: UInt32
    ) -> Words16 {
        var (v0, v1, v2, v3, v4, v5, v6, v7) = cv
        var (v8, v9, v10, v11) = (iv.0, iv.1, iv.2, iv.3)
        var v12 = UInt32(truncatingIfNeeded: counter)
        var v13 = UInt32(truncatingIfNeeded: counter >> 32)
        var v14 = blockLength
        var v15 = flags
        var (m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15) = block

        for round in 0..<7 {
            mix(&v0, &v4, &v8, &v12, m0, m1)
            mix(&v1, &v5, &v9, &v13, m2, m3)
            mix(&v2, &v6, &v10, &v14, m4, m5)
            mix(&v3, &v7, &v11, &v15, m6, m7)
            mix(&v0, &v5, &v10, &v15, m8, m9)
            mix(&v1, &v6, &v11, &v12, m10, m11)
            mix(&v2, &v7, &v8, &v13, m12, m13)
            mix(&v3, &v4, &v9, &v14, m14, m15)
            if round < 6 {
                // MSG_PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
                (m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15) =
                    (m2, m6, m3, m10, m7, m0, m4, m13, m1, m11, m12, m5, m9, m14, m15, m8)
            }
        }

        return (
            v0 ^ v8, v1 ^ v9, v2 ^ v10, v3 ^ v11, v4 ^ v12, v5 ^ v13, v6 ^ v14, v7 ^ v15,
            v8 ^ cv.0, v9 ^ cv.1, v10 ^ cv.2, v11 ^ cv.3, v12 ^ cv.4, v13 ^ cv.5, v14 ^ cv.6, v15 ^ cv.7
        )
    }

    /// The first eight words of a compression output: the chaining value.
    @inline(__always)
    static func firstEight(_ w: Words16) -> Words8 {
        (w.0, w.1, w.2, w.3, w.4, w.5, w.6, w.7)
    }

    /// Reads a 64-byte block at `base` as sixteen little-endian words (`base` need not be aligned).
    @inline(__always)
    static func loadBlock(_ base: UnsafeRawPointer) -> Words16 {
        var block = zeroBlock
        withUnsafeMutableBytes(of: &block) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(start: base, count: blockLength))
        }
        return littleEndianWords(block)
    }

    /// Converts words whose memory holds little-endian bytes into native words (a no-op on little-endian hosts).
    @inline(__always)
    static func littleEndianWords(_ w: Words16) -> Words16 {
        #if _endian(big)
        return (
            w.0.byteSwapped, w.1.byteSwapped, w.2.byteSwapped, w.3.byteSwapped,
            w.4.byteSwapped, w.5.byteSwapped, w.6.byteSwapped, w.7.byteSwapped,
            w.8.byteSwapped, w.9.byteSwapped, w.10.byteSwapped, w.11.byteSwapped,
            w.12.byteSwapped, w.13.byteSwapped, w.14.byteSwapped, w.15.byteSwapped
        )
        #else
        return w
        #endif
    }

    /// Reads a 32-byte little-endian key into words; `bytes` must hold exactly 32 bytes.
    static func keyWords(_ bytes: [UInt8]) -> Words8 {
        func word(_ i: Int) -> UInt32 {
            UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8
                | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
        }
        return (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7))
    }

    /// Appends the sixteen words of `w` as little-endian bytes, stopping after `limit` bytes.
    static func appendBytes(of w: Words16, limit: Int, to output: inout [UInt8]) {
        var words = w
        #if _endian(big)
        words = littleEndianWords(words)
        #endif
        withUnsafeBytes(of: &words) { raw in
            output.append(contentsOf: raw.prefix(limit))
        }
    }
}
