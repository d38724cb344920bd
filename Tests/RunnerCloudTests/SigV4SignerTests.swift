import Foundation
import Testing

@testable import RunnerCloud

/// The signer's own behaviour; AWS's published test suite is run by `SigV4TestSuiteTests`.
@Suite("SigV4")
struct SigV4SignerTests {
    static let signer = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1",
        service: "service"
    )
    /// 20150830T123600Z.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    @Test func signingAddsTheDateTokenAndAuthorization() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "session"),
            region: "eu-west-1",
            service: "secretsmanager"
        )
        let headers = signer.sign(
            method: "POST",
            path: "/",
            query: nil,
            headers: [(name: "Host", value: "example.com")],
            body: [],
            at: Self.date
        )
        #expect(headers.map(\.name) == ["Host", "X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
        #expect(headers[1].value == "20150830T123600Z")
        #expect(
            headers[3].value.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="
            )
        )
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"), (951_782_400, "20000229T000000Z"), (1_440_938_160, "20150830T123600Z"),
        (4_102_444_799, "20991231T235959Z"),
    ])
    func amzDates(_ seconds: Double, _ expected: String) {
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
