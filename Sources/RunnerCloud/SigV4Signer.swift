internal import Crypto
public import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`), written from AWS's specification and checked
/// against AWS's published test suite (`Tests/RunnerCloudTests`).
///
/// ``sign(method:path:query:headers:body:at:)`` adds `X-Amz-Date` (and `X-Amz-Security-Token`
/// with session credentials) and returns the headers to send with `Authorization`. Every header
/// passed in is signed. Paths are given decoded; the signer encodes them (RFC 3986 unreserved
/// characters kept), normalising `.`/`..` segments and repeated slashes except for S3
/// (``normalizesPath``), as AWS's services expect.
public struct SigV4Signer: Sendable {
    /// AWS credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
    public struct Credentials: Sendable, Hashable {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    public let credentials: Credentials
    public let region: String
    public let service: String
    /// Whether the canonical path drops `.`/`..` segments and repeated slashes (every service
    /// but S3).
    public let normalizesPath: Bool

    public init(credentials: Credentials, region: String, service: String, normalizesPath: Bool? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizesPath = normalizesPath ?? (service != "s3")
    }

    /// The headers of a signed request: `headers` plus `X-Amz-Date`, the session token when
    /// there is one, and `Authorization`.
    public func sign(
        method: String,
        path: String,
        query: String?,
        headers: [(name: String, value: String)],
        body: [UInt8],
        at date: Date
    ) -> [(name: String, value: String)] {
        var signed = headers
        signed.append((name: "X-Amz-Date", value: Self.amzDate(date)))
        if let token = credentials.sessionToken { signed.append((name: "X-Amz-Security-Token", value: token)) }
        signed.append(
            (name: "Authorization", value: authorization(method: method, path: path, query: query, headers: signed, body: body, at: date))
        )
        return signed
    }

    /// The `Authorization` value for a request whose `headers` (all signed) already include
    /// `X-Amz-Date`.
    public func authorization(
        method: String,
        path: String,
        query: String?,
        headers: [(name: String, value: String)],
        body: [UInt8],
        at date: Date
    ) -> String {
        let canonical = canonicalRequest(method: method, path: path, query: query, headers: headers, body: body)
        let signature = Self.hex(
            Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign(canonical, at: date).utf8), using: signingKey(at: date)))
        )
        return
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(at: date)), SignedHeaders=\(Self.signedHeaders(headers)), Signature=\(signature)"
    }

    /// The canonical request (task 1 of the specification).
    public func canonicalRequest(
        method: String,
        path: String,
        query: String?,
        headers: [(name: String, value: String)],
        body: [UInt8]
    ) -> String {
        [
            method.uppercased(),
            canonicalPath(path),
            Self.canonicalQuery(query),
            Self.canonicalHeaders(headers),
            Self.signedHeaders(headers),
            Self.hex(Array(SHA256.hash(data: body))),
        ].joined(separator: "\n")
    }

    /// The string to sign (task 2).
    public func stringToSign(_ canonicalRequest: String, at date: Date) -> String {
        ["AWS4-HMAC-SHA256", Self.amzDate(date), scope(at: date), Self.hex(Array(SHA256.hash(data: Array(canonicalRequest.utf8))))]
            .joined(separator: "\n")
    }

    private func scope(at date: Date) -> String {
        "\(Self.amzDate(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    private func signingKey(at date: Date) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [String(Self.amzDate(date).prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// The encoded path; with normalisation, RFC 3986's dot-segment removal and repeated
    /// slashes collapsed, a trailing slash kept.
    func canonicalPath(_ path: String) -> String {
        guard normalizesPath else {
            let encoded = path.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }.joined(
                separator: "/"
            )
            return encoded.isEmpty ? "/" : encoded
        }
        var kept: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = kept.popLast()
            default: kept.append(segment)
            }
        }
        let trailing = path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..")
        let encoded = "/" + kept.map { Self.encode(String($0)) }.joined(separator: "/")
        return trailing && !kept.isEmpty ? encoded + "/" : encoded
    }

    static func canonicalQuery(_ query: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(String(parts[0]))
            let value = parts.count > 1 ? decode(String(parts[1])) : ""
            return (encode(name), encode(value))
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> String {
        var byName: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            byName[name.lowercased(), default: []].append(trimmed)
        }
        return byName.keys.sorted().map { "\($0):\(byName[$0, default: []].joined(separator: ","))\n" }.joined()
    }

    static func signedHeaders(_ headers: [(name: String, value: String)]) -> String {
        Set(headers.map { $0.name.lowercased() }).sorted().joined(separator: ";")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, byte by byte.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Percent-decoding that leaves malformed escapes as they are.
    static func decode(_ text: String) -> String {
        text.removingPercentEncoding ?? text
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil-from-days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)\(two(month))\(two(day))T\(two(secondOfDay / 3600))\(two(secondOfDay / 60 % 60))\(two(secondOfDay % 60))Z"
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
