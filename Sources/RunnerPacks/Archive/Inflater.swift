internal import Foundation
internal import ZIPFoundation

/// Inflates a raw DEFLATE stream (ZIP method 8) with a hard cap on the output size.
///
/// Uses ZIPFoundation's zlib binding (`Data.decompress`) for the decoding, but drives it
/// defensively. On Linux that routine tells zlib that every input chunk is `bufferSize` bytes
/// long whatever the provider returned, so a short final chunk would let zlib read past it; here
/// the buffer size is exactly the compressed size and the whole input is handed over in one
/// chunk, so zlib never sees a byte that is not part of the entry. A second request for input
/// means the stream ended without its end marker (truncated). The consumer stops decoding as soon
/// as the output exceeds `expectedSize`, so a "zip bomb" costs at most `expectedSize` bytes, and
/// since DEFLATE expands at most ~1032:1 the decode loop runs at most ~1,000 rounds.
enum Inflater {
    /// Why inflation stopped.
    enum Failure: Error {
        case truncated
        case tooLarge
        case corrupt
    }

    /// Inflates `compressed`, which must produce at most `expectedSize` bytes.
    static func inflate(_ compressed: ArraySlice<UInt8>, expectedSize: Int) throws(Failure) -> [UInt8] {
        let input = Data(compressed)
        guard !input.isEmpty else { throw .truncated }
        var output: [UInt8] = []
        output.reserveCapacity(min(expectedSize, 1 << 20))
        var failure: Failure?
        do {
            _ = try Data.decompress(
                size: Int64(input.count),
                bufferSize: input.count,
                skipCRC32: true,
                provider: { position, size -> Data in
                    guard size > 0 else { return Data() }
                    guard position == 0, size == input.count else {
                        failure = .truncated
                        throw Failure.truncated
                    }
                    return input
                },
                consumer: { data in
                    guard output.count + data.count <= expectedSize else {
                        failure = .tooLarge
                        throw Failure.tooLarge
                    }
                    output.append(contentsOf: data)
                }
            )
        } catch {
            throw failure ?? .corrupt
        }
        return output
    }
}
