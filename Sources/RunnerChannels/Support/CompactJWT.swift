internal import Foundation

/// The header of a JWT in compact serialisation (RFC 7515 §7.1), read before verification to
/// choose the key and refuse unwanted algorithms.
///
/// Only base64url without padding is accepted (RFC 7515 §2): a token with `+`, `/` or `=` in
/// any segment is not a JWT, whatever a lenient decoder would make of it.
public struct CompactJWT: Sendable {
    /// The header's `alg`.
    public var algorithm: String?
    /// The header's `kid`.
    public var keyID: String?

    /// The header of `token`, `nil` when `token` is not three base64url segments with a JSON
    /// object header.
    public init?(_ token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy(Self.isBase64URL), let data = Self.base64URLDecode(parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: data)
        else { return nil }
        algorithm = header.alg
        keyID = header.kid
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    private static func isBase64URL(_ segment: Substring) -> Bool {
        segment.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
