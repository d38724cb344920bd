import Foundation
import Testing

@testable import RunnerCore

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    @Test func chronoStyleOmitsZeroFraction() {
        let date = Date(timeIntervalSince1970: 1_762_851_600)  // 2025-11-11T09:00:00Z
        #expect(RFC3339.chronoString(date) == "2025-11-11T09:00:00+00:00")
        #expect(RFC3339.zuluString(date) == "2025-11-11T09:00:00Z")
    }

    @Test func chronoStyleWritesFractions() {
        #expect(RFC3339.chronoString(Date(timeIntervalSince1970: 0.5)) == "1970-01-01T00:00:00.500+00:00")
        #expect(RFC3339.chronoString(Date(timeIntervalSince1970: 951_782_400.000_25)) == "2000-02-29T00:00:00.000250+00:00")
        #expect(RFC3339.chronoString(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59+00:00")
    }

    @Test func timestampsBeyondFourDigitYearsAreClampedNotATrap() {
        #expect(RFC3339.chronoString(Date(timeIntervalSince1970: Double(Int64.max))) == "9999-12-31T23:59:59+00:00")
        #expect(RFC3339.chronoString(Date(timeIntervalSince1970: 1e300)) == "9999-12-31T23:59:59+00:00")
        #expect(RFC3339.chronoString(Date(timeIntervalSince1970: Double(Int64.min))) == "0000-01-01T00:00:00+00:00")
        #expect(RFC3339.zuluString(Date(timeIntervalSince1970: -.infinity)) == "0000-01-01T00:00:00Z")
        #expect(RFC3339.zuluString(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.zuluString(epochSeconds: .min) == "0000-01-01T00:00:00Z")
        #expect(RFC3339.zuluString(epochSeconds: .max) == "9999-12-31T23:59:59Z")
        #expect(RFC3339.zuluString(epochSeconds: 253_402_300_799) == "9999-12-31T23:59:59Z")
    }

    @Test func parses() {
        #expect(RFC3339.parse("2025-11-11T09:00:00+00:00") == Date(timeIntervalSince1970: 1_762_851_600))
        #expect(RFC3339.parse("2025-11-11T10:00:00.250+01:00") == Date(timeIntervalSince1970: 1_762_851_600.25))
        #expect(RFC3339.parse("yesterday") == nil)
        #expect(RFC3339.parse("2025-11-11T09:00:00.1234567Z") == Date(timeIntervalSince1970: 1_762_851_600.1234567), "Teams' seven digits")
        #expect(RFC3339.parse("2025-11-11t09:00:00z") == Date(timeIntervalSince1970: 1_762_851_600))
        #expect(RFC3339.parse("2024-02-29T00:00:00-08:00") == Date(timeIntervalSince1970: 1_709_193_600))
        #expect(RFC3339.parse("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
        for bad in [
            "2025-02-29T00:00:00Z", "2025-11-11T24:00:00Z", "2025-11-11T09:00:00", "2025-11-11T09:00:00.Z", "2025-13-01T00:00:00Z",
            "2025-11-11T09:00:00+0100", "2025-11-11T09:00:00Zjunk", "", "２０２５-11-11T09:00:00Z",
        ] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
        for date in [
            Date(timeIntervalSince1970: 1_762_851_600.25), Date(timeIntervalSince1970: 0),
            Date(timeIntervalSince1970: 1_600_000_000.000123),
        ] {
            #expect(RFC3339.parse(RFC3339.chronoString(date)).map { abs($0.timeIntervalSince(date)) < 1e-6 } == true, "round trip")
        }
    }
}

@Suite("Small security helpers")
struct SecurityHelperTests {
    @Test func bearerTokensAreReadWithTheSchemeInAnyCase() {
        #expect(BearerToken.parse("Bearer abc") == "abc")
        #expect(BearerToken.parse("bearer abc") == "abc")
        #expect(BearerToken.parse("BEARER \t abc.def ") == "abc.def")
        #expect(BearerToken.parse("Bearer") == nil)
        #expect(BearerToken.parse("Bearer   ") == nil)
        #expect(BearerToken.parse("Basic abc") == nil)
        #expect(BearerToken.parse("Bearerabc") == nil)
        #expect(BearerToken.parse(nil) == nil)
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals("secret", "secret"))
        #expect(!ConstantTime.equals("secret", "secreT"))
        #expect(!ConstantTime.equals("secret", "secret!"))
        #expect(!ConstantTime.equals("", "x"))
        #expect(ConstantTime.equals("", ""))
    }

    @Test func randomUUIDsAreVersion4WithTheRFCVariant() {
        let drawn = (0..<1000).map { _ in UUID.random() }
        #expect(Set(drawn).count == drawn.count)
        for uuid in drawn {
            #expect(uuid.uuid.6 >> 4 == 4)
            #expect(uuid.uuid.8 >> 6 == 0b10)
        }
    }

    @Test func timeOrderedUUIDsAreVersion7AndSortByTheirMillisecond() throws {
        // RFC 9562's example: 2022-02-22 19:22:22 UTC is 0x017F22E279B0 ms since 1970.
        let example = Date(timeIntervalSince1970: 1_645_557_742)
        let uuid = UUID.timeOrdered(at: example)
        #expect(uuid.uuidString.hasPrefix("017F22E2-79B0-7"))
        #expect(uuid.uuid.8 >> 6 == 0b10)

        // Ten ids in each of 100 milliseconds (mid-millisecond, clear of rounding).
        let drawn = (0..<1000).map { UUID.timeOrdered(at: example.addingTimeInterval((Double($0 / 10) + 0.5) / 1000)) }
        #expect(Set(drawn).count == drawn.count, "random within one millisecond")
        let strings = drawn.map(\.uuidString)
        for (earlier, later) in zip(strings, strings.dropFirst(10)) {
            #expect(earlier < later, "a later millisecond sorts after")
        }
        #expect(UUID.timeOrdered(at: Date(timeIntervalSince1970: -5)).uuidString.hasPrefix("00000000-0000-7"))
    }

    @Test func hexRoundTrip() {
        #expect(Hex.encode([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(Hex.decode("00ABff") == [0x00, 0xAB, 0xFF])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }

    @Test(arguments: [
        ("demo", true), ("acme-1.eu_west", true), ("", false), ("a b", false), ("a:b", false), (String(repeating: "x", count: 65), false),
    ])
    func tenantNames(_ name: String, _ valid: Bool) {
        #expect(TenantName.isValid(name) == valid)
    }
}
