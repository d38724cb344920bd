/// An incremental BLAKE3 hasher supporting plain hashing, keyed hashing and key derivation.
///
/// For content addressing, integrity digests and MACs over pack data, with extendable output
/// (XOF). Not for password hashing, and not a SIMD-accelerated implementation: it is portable,
/// dependency-free scalar Swift. Values are cheap to copy; ``finalize(outputLength:)`` does not
/// consume the state, so more input may follow it.
package struct BLAKE3: Sendable {
    private let key: Words8
    private let flags: UInt32
    private var chunk: ChunkState
    /// Chaining values of completed subtrees, one per set bit of the completed-chunk count.
    private var cvStack: [Words8] = []

    /// Creates a hasher for the default (unkeyed) hash mode.
    package init() {
        self.init(keyWords: Self.iv, flags: 0)
    }

    /// Creates a hasher for keyed-hash (MAC) mode; returns `nil` unless `key` is exactly 32 bytes.
    package init?(key: [UInt8]) {
        guard key.count == 32 else { return nil }
        self.init(keyWords: Self.keyWords(key), flags: Self.keyedHash)
    }

    /// Creates a hasher for key-derivation mode; feed it the key material with `update(_:)`.
    ///
    /// The context string should be hardcoded, globally unique and application-specific.
    package init(deriveKeyContext context: String) {
        var contextHasher = BLAKE3(keyWords: Self.iv, flags: Self.deriveKeyContext)
        contextHasher.update(Array(context.utf8))
        let contextKey = contextHasher.finalize(outputLength: 32)
        self.init(keyWords: Self.keyWords(contextKey), flags: Self.deriveKeyMaterial)
    }

    private init(keyWords: Words8, flags: UInt32) {
        self.key = keyWords
        self.flags = flags
        self.chunk = ChunkState(key: keyWords, chunkCounter: 0, flags: flags)
        cvStack.reserveCapacity(8)
    }

    /// Absorbs more input.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Absorbs more input from raw memory without copying it.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        var position = 0
        while position < count {
            if chunk.length == Self.chunkLength {
                let chunkCV = chunk.output().chainingValue()
                let totalChunks = chunk.chunkCounter + 1
                addChunkChainingValue(chunkCV, totalChunks: totalChunks)
                chunk = ChunkState(key: key, chunkCounter: totalChunks, flags: flags)
            }
            let take = min(Self.chunkLength - chunk.length, count - position)
            chunk.update(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + take)]))
            position += take
        }
    }

    /// Absorbs more input from any byte collection; contiguous collections are not copied.
    package mutating func update(_ bytes: some Collection<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil {
            update(Array(bytes))
        }
    }

    /// Returns `outputLength` bytes of output (32 is the standard digest; longer is the XOF stream).
    ///
    /// A negative length yields an empty array. The hasher's state is unchanged.
    package func finalize(outputLength: Int = 32) -> [UInt8] {
        var output = chunk.output()
        var index = cvStack.count
        while index > 0 {
            index -= 1
            output = Self.parentOutput(left: cvStack[index], right: output.chainingValue(), key: key, flags: flags)
        }
        return output.rootBytes(count: max(0, outputLength))
    }

    /// Returns the standard 32-byte BLAKE3 hash of `bytes`.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = BLAKE3()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Returns the standard 32-byte BLAKE3 hash of `bytes` as 64 lowercase hex digits.
    package static func hexDigest(_ bytes: [UInt8]) -> String {
        hex(hash(bytes))
    }

    /// Lowercase hex encoding of arbitrary bytes.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        characters.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Merges a finished chunk into the tree: one parent per trailing zero bit of `totalChunks`.
    private mutating func addChunkChainingValue(_ newCV: Words8, totalChunks: UInt64) {
        var cv = newCV
        var total = totalChunks
        while total & 1 == 0, let left = cvStack.popLast() {
            cv = Self.parentOutput(left: left, right: cv, key: key, flags: flags).chainingValue()
            total >>= 1
        }
        cvStack.append(cv)
    }

    private static func parentOutput(left: Words8, right: Words8, key: Words8, flags: UInt32) -> Output {
        let block: Words16 = (
            left.0, left.1, left.2, left.3, left.4, left.5, left.6, left.7,
            right.0, right.1, right.2, right.3, right.4, right.5, right.6, right.7
        )
        return Output(inputCV: key, block: block, counter: 0, blockLength: UInt32(blockLength), flags: parent | flags)
    }
}

extension BLAKE3 {
    /// The inputs of a compression whose result is not yet decided to be a chaining value or root output.
    struct Output: Sendable {
        var inputCV: Words8
        var block: Words16
        var counter: UInt64
        var blockLength: UInt32
        var flags: UInt32

        func chainingValue() -> Words8 {
            firstEight(compress(inputCV, block, counter: counter, blockLength: blockLength, flags: flags))
        }

        func rootBytes(count: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            var outputCounter: UInt64 = 0
            while bytes.count < count {
                let words = compress(
                    inputCV,
                    block,
                    counter: outputCounter,
                    blockLength: blockLength,
                    flags: flags | root
                )
                appendBytes(of: words, limit: count - bytes.count, to: &bytes)
                outputCounter &+= 1
            }
            return bytes
        }
    }

    /// The state of the chunk (up to 1024 bytes) currently being absorbed.
    struct ChunkState: Sendable {
        var cv: Words8
        let chunkCounter: UInt64
        let flags: UInt32
        /// Raw storage for the pending block: its memory holds the bytes in input order.
        var block: Words16 = zeroBlock
        var blockLength = 0
        var blocksCompressed = 0

        init(key: Words8, chunkCounter: UInt64, flags: UInt32) {
            self.cv = key
            self.chunkCounter = chunkCounter
            self.flags = flags
        }

        var length: Int { blocksCompressed * BLAKE3.blockLength + blockLength }

        private var startFlag: UInt32 { blocksCompressed == 0 ? chunkStart : 0 }

        /// Absorbs bytes; the caller never passes more than fits in this chunk.
        ///
        /// A full block is only compressed once more input arrives, because the last block of a
        /// chunk needs the CHUNK_END (and possibly ROOT) flag.
        mutating func update(_ input: UnsafeRawBufferPointer) {
            guard let base = input.baseAddress else { return }
            let count = input.count
            var position = 0
            while position < count {
                if blockLength == BLAKE3.blockLength {
                    compressPending(littleEndianWords(block))
                    block = zeroBlock
                    blockLength = 0
                }
                while blockLength == 0 && count - position > BLAKE3.blockLength {
                    compressPending(loadBlock(base + position))
                    position += BLAKE3.blockLength
                }
                let take = min(BLAKE3.blockLength - blockLength, count - position)
                let offset = blockLength
                withUnsafeMutableBytes(of: &block) { destination in
                    UnsafeMutableRawBufferPointer(rebasing: destination[offset..<(offset + take)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: input[position..<(position + take)]))
                }
                blockLength += take
                position += take
            }
        }

        private mutating func compressPending(_ words: Words16) {
            cv = firstEight(
                compress(
                    cv,
                    words,
                    counter: chunkCounter,
                    blockLength: UInt32(BLAKE3.blockLength),
                    flags: flags | startFlag
                )
            )
            blocksCompressed += 1
        }

        func output() -> Output {
            Output(
                inputCV: cv,
                block: littleEndianWords(block),
                counter: chunkCounter,
                blockLength: UInt32(blockLength),
                flags: flags | startFlag | chunkEnd
            )
        }
    }
}
