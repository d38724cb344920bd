import Foundation
import Testing

@testable import RunnerCloud

/// Cases of AWS's published Signature Version 4 test suite (`aws-sig-v4-test-suite`, 2015
/// edition: key `AKIDEXAMPLE`, region `us-east-1`, service `service`, 20150830T123600Z, host
/// `example.amazonaws.com`) and the IAM `ListUsers` example of AWS's signing documentation,
/// written as literals: each request must give AWS's signature, and where the suite publishes
/// them, its canonical request and string to sign, byte for byte.
@Suite("SigV4 test suite")
struct SigV4TestSuiteTests {
    static let credentials = SigV4Signer.Credentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var method: String = "GET"
        var path: String = "/"
        var query: String? = nil
        var headers: [(name: String, value: String)] = []
        var body: String = ""
        var service: String = "service"
        var host: String = "example.amazonaws.com"
        var normalizesPath: Bool = true
        var signedHeaders: String = "host;x-amz-date"
        var signature: String
        /// The SHA-256 of the canonical request, as its string to sign carries it.
        var canonicalRequestHash: String? = nil
        var canonicalRequest: String? = nil

        var description: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "post-vanilla", method: "POST", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(
            name: "get-vanilla-query-order-key-case",
            query: "Param2=value2&Param1=value1",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            canonicalRequestHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"
        ),
        Vector(
            name: "get-vanilla-empty-query-key",
            query: "Param1=value1",
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
        ),
        Vector(
            name: "get-unreserved",
            path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"
        ),
        Vector(
            name: "get-utf8",
            path: "/ሴ",
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
            canonicalRequestHash: "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"
        ),
        Vector(
            name: "get-vanilla-utf8-query",
            query: "ሴ=bar",
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"
        ),
        Vector(name: "get-space", path: "/example space/", signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        Vector(
            name: "get-slashes-unnormalized (the S3 rule)",
            path: "//example//",
            normalizesPath: false,
            signature: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"
        ),
        Vector(
            name: "get-header-value-trim",
            headers: [(name: "My-Header1", value: " value1"), (name: "My-Header2", value: "\"a   b   c\"")],
            signedHeaders: "host;my-header1;my-header2;x-amz-date",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
        ),
        Vector(
            name: "post-header-key-sort",
            method: "POST",
            headers: [(name: "My-Header1", value: "value1")],
            signedHeaders: "host;my-header1;x-amz-date",
            signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"
        ),
        Vector(
            name: "post-x-www-form-urlencoded",
            method: "POST",
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
            body: "Param1=value1",
            signedHeaders: "content-type;host;x-amz-date",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            canonicalRequestHash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            canonicalRequest: """
                POST
                /

                content-type:application/x-www-form-urlencoded
                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
                """
        ),
        Vector(
            name: "IAM ListUsers (the signing documentation's example)",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
            service: "iam",
            host: "iam.amazonaws.com",
            signedHeaders: "content-type;host;x-amz-date",
            signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        ),
    ]

    @Test(arguments: vectors)
    func signsAsAWSPublished(_ vector: Vector) {
        let signer = SigV4Signer(
            credentials: Self.credentials,
            region: "us-east-1",
            service: vector.service,
            normalizesPath: vector.normalizesPath
        )
        let headers = [(name: "Host", value: vector.host)] + vector.headers
        let signed = signer.sign(
            method: vector.method,
            path: vector.path,
            query: vector.query,
            headers: headers,
            body: Array(vector.body.utf8),
            at: Self.date
        )
        #expect(
            signed.last?.value
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/\(vector.service)/aws4_request, SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)"
        )
        let canonical = signer.canonicalRequest(
            method: vector.method,
            path: vector.path,
            query: vector.query,
            headers: headers + [(name: "X-Amz-Date", value: "20150830T123600Z")],
            body: Array(vector.body.utf8)
        )
        if let expected = vector.canonicalRequest { #expect(canonical == expected) }
        if let hash = vector.canonicalRequestHash {
            #expect(
                signer.stringToSign(canonical, at: Self.date)
                    == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/\(vector.service)/aws4_request\n\(hash)"
            )
        }
    }

    @Test func canonicalPathsAsTheSuiteNormalisesThem() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        // normalize-path: get-relative, get-relative-relative, get-slash, get-slash-dot-slash,
        // get-slash-pointless-dot, get-slashes, get-space.
        #expect(signer.canonicalPath("/example/..") == "/")
        #expect(signer.canonicalPath("/example1/example2/../..") == "/")
        #expect(signer.canonicalPath("//") == "/")
        #expect(signer.canonicalPath("/./") == "/")
        #expect(signer.canonicalPath("/./example") == "/example")
        #expect(signer.canonicalPath("//example//") == "/example/")
        #expect(signer.canonicalPath("/example space/") == "/example%20space/")
        #expect(
            SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3").canonicalPath("//a b/../c") == "//a%20b/../c"
        )
    }
}
