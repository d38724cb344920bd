import Foundation
import RunnerTestSupport
import Testing

@testable import RunnerCore

/// Fixtures/cron-corpus.json: fire times from croniter 7.0.0, except where the SPEC §7 DST rule
/// or a documented grammar choice differs (scripts/cron-oracle.py lists each such case with its
/// reason, and keeps croniter's answer beside ours).
struct CronCorpus: Decodable, Sendable {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var expression: String
        var timezone: String
        var after: String
        var next: [String]
        var latest: String?
        var difference: String?

        var testDescription: String { name }
    }

    struct Invalid: Decodable, Sendable, CustomTestStringConvertible {
        var expression: String
        /// The field the message must name; `nil` for the expression as a whole.
        var field: String?
        var croniterRejects: Bool

        var testDescription: String { String(reflecting: expression) }
    }

    var cases: [Case]
    var invalid: [Invalid]

    static let loaded: Result<CronCorpus, any Error> = Result {
        guard let url = Bundle.module.url(forResource: "cron-corpus", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(CronCorpus.self, from: Data(contentsOf: url))
    }

    static var cases: [Case] { (try? loaded.get())?.cases ?? [] }
    static var invalidExpressions: [Invalid] { (try? loaded.get())?.invalid ?? [] }
}

private func zone(_ identifier: String) throws -> TimeZone {
    try #require(TimeZone(identifier: identifier), "unknown time zone \(identifier)")
}

private func instant(_ text: String) throws -> Date {
    try #require(RFC3339.parse(text), "bad instant \(text)")
}

@Suite("Cron corpus (croniter 7.0.0 and the SPEC §7 DST rule)")
struct CronCorpusTests {
    @Test("the corpus loads and covers enough")
    func corpusLoads() throws {
        let corpus = try CronCorpus.loaded.get()
        #expect(corpus.cases.count >= 150)
        #expect(corpus.invalid.count >= 30)
        #expect(Set(corpus.cases.map(\.name)).count == corpus.cases.count, "case names are unique")
        let zones = Set(corpus.cases.map(\.timezone))
        for required in ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"] {
            #expect(zones.contains(required), "no case in \(required)")
        }
    }

    @Test("next five fires and the latest fire match", arguments: CronCorpus.cases)
    func matchesCorpus(_ corpusCase: CronCorpus.Case) throws {
        let expression = try CronExpression(corpusCase.expression)
        let timeZone = try zone(corpusCase.timezone)
        let after = try instant(corpusCase.after)
        var cursor = after
        var fires: [String] = []
        while fires.count < 5, let fire = expression.nextFire(after: cursor, in: timeZone) {
            fires.append(RFC3339.zuluString(fire))
            cursor = fire
        }
        #expect(fires == corpusCase.next)
        #expect(expression.latestFire(atOrBefore: after, in: timeZone).map(RFC3339.zuluString) == corpusCase.latest)
    }

    @Test("invalid expressions are rejected, naming the field", arguments: CronCorpus.invalidExpressions)
    func rejectsInvalid(_ invalid: CronCorpus.Invalid) throws {
        let error = try #require(throws: CronError.self) { try CronExpression(invalid.expression) }
        #expect(error.field?.rawValue == invalid.field)
        #expect(error.description.hasPrefix("cron \""))
        if let field = invalid.field {
            #expect(error.description.contains(": \(field) field: "), "\(error)")
        }
        #expect(!error.message.isEmpty)
    }
}

@Suite("Cron expression grammar")
struct CronGrammarTests {
    private func cron(_ text: String) throws -> CronExpression { try CronExpression(text) }

    @Test func fiveFieldsFireAtSecondZero() throws {
        #expect(try cron("0 9 * * *") == cron("0 0 9 * * *"))
        #expect(try cron("*/5 * * * *") == cron("0 */5 * * * *"))
        #expect(try cron("*/5 * * * *") != cron("* */5 * * * *"))
    }

    @Test func macrosAreTheirExpansions() throws {
        #expect(try cron("@yearly") == cron("0 0 1 1 *"))
        #expect(try cron("@annually") == cron("@yearly"))
        #expect(try cron("@monthly") == cron("0 0 1 * *"))
        #expect(try cron("@weekly") == cron("0 0 * * 0"))
        #expect(try cron("@daily") == cron("0 0 * * *"))
        #expect(try cron("@midnight") == cron("@daily"))
        #expect(try cron("@hourly") == cron("0 * * * *"))
        #expect(try cron("@Daily") == cron("@daily"))
    }

    @Test func dayOfWeekIsVixie() throws {
        #expect(try cron("0 0 * * 7") == cron("0 0 * * 0"))
        #expect(try cron("0 0 * * SUN") == cron("0 0 * * 0"))
        #expect(try cron("0 0 * * 1") == cron("0 0 * * MON"))
        #expect(try cron("0 0 * * FRI-SUN") == cron("0 0 * * 5,6,0"))
        #expect(try cron("0 0 * * 5-7") == cron("0 0 * * FRI-SUN"))
        #expect(try cron("0 0 * * */2") == cron("0 0 * * 0,2,4,6"))
        #expect(try cron("0 0 * * 7/2") == cron("0 0 * * 0/2"))
        #expect(try cron("0 0 * * 5/1") == cron("0 0 * * 5,6"), "a step runs to Saturday, not on to 7")
        let monday = try cron("0 9 * * 1")
        // 2026-01-18 is a Sunday; Vixie's 1 is the next day, Monday the 19th.
        let next = monday.nextFire(after: try instant("2026-01-18T00:00:00Z"), in: .gmt)
        #expect(next.map(RFC3339.zuluString) == "2026-01-19T09:00:00Z")
    }

    @Test func namesAreCaseInsensitive() throws {
        #expect(try cron("0 0 1 jan,Apr,JUL mon") == cron("0 0 1 1,4,7 1"))
        #expect(try cron("0 0 1 feb-mar *") == cron("0 0 1 2-3 *"))
    }

    @Test func stepsRangesAndLists() throws {
        #expect(try cron("5/20 * * * *") == cron("5,25,45 * * * *"))
        #expect(try cron("10-40/10 * * * *") == cron("10,20,30,40 * * * *"))
        #expect(try cron("1,2-4,10 * * * *") == cron("1,2,3,4,10 * * * *"))
        #expect(try cron("0 0 */10 * *") == cron("0 0 1,11,21,31 * *"))
        #expect(try cron("0 0 1 */3 *") == cron("0 0 1 1,4,7,10 *"))
        #expect(try cron("*/90 * * * *") == cron("0 * * * *"))
        #expect(try cron("5-5 * * * *") == cron("5 * * * *"), "an equal range is one value, unlike croniter")
    }

    @Test func questionMarkIsAStarInDayFields() throws {
        #expect(try cron("0 0 ? * MON") == cron("0 0 * * MON"))
        #expect(try cron("0 0 1 * ?") == cron("0 0 1 * *"))
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        let friday13 = try cron("0 0 13 * FRI")
        var fires: [String] = []
        var cursor = try instant("2026-02-01T00:00:00Z")
        for _ in 0..<4 {
            let fire = try #require(friday13.nextFire(after: cursor, in: .gmt))
            fires.append(RFC3339.zuluString(fire))
            cursor = fire
        }
        // Every Friday and every 13th: 2026-02-06 and 02-13 are Fridays, 03-13 is a Friday too.
        #expect(fires == ["2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z", "2026-02-27T00:00:00Z"])
        // With day of week `*`, day of month alone decides.
        let thirteenth = try cron("0 0 13 * *")
        #expect(thirteenth.nextFire(after: cursor, in: .gmt).map(RFC3339.zuluString) == "2026-03-13T00:00:00Z")
    }

    @Test func whitespaceIsNormalizedInDescription() throws {
        #expect(try cron("  0\t12  *  * *  ").description == "0 12 * * *")
        #expect(try cron("@daily").description == "@daily")
        #expect(try cron(" 0  12 * * * ") == cron("0 12 * * *"))
    }

    @Test(arguments: [
        ("61 * * * *", #"cron "61 * * * *": minute field: 61 is outside 0-59"#),
        ("0 61 * * *", #"cron "0 61 * * *": hour field: 61 is outside 0-23"#),
        ("60 * * * * *", #"cron "60 * * * * *": second field: 60 is outside 0-59"#),
        ("0 0 * * 8", #"cron "0 0 * * 8": day-of-week field: 8 is outside 0-7"#),
        ("* * * *", #"cron "* * * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), found 4"#),
        ("*/0 * * * *", #"cron "*/0 * * * *": minute field: step 0 in "*/0" must be at least 1"#),
        ("0 5-2 * * *", #"cron "0 5-2 * * *": hour field: range "5-2" runs backwards (5 is after 2)"#),
        ("1,,2 * * * *", #"cron "1,,2 * * * *": minute field: empty item in the list "1,,2""#),
        ("0 0 * FOO *", #"cron "0 0 * FOO *": month field: "FOO" is not a number or a name (JAN-DEC)"#),
        ("0 0 * * MONDAY", #"cron "0 0 * * MONDAY": day-of-week field: "MONDAY" is not a number or a name (SUN-SAT)"#),
        ("0 MON * * *", #"cron "0 MON * * *": hour field: "MON" is not a number"#),
        ("? * * * *", #"cron "? * * * *": minute field: "?" is only allowed in the day-of-month and day-of-week fields"#),
        (
            "@often",
            #"cron "@often": unknown macro "@often" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)"#
        ),
        ("-5 * * * *", #"cron "-5 * * * *": minute field: "-5" is missing a value"#),
        ("*/5/2 * * * *", #"cron "*/5/2 * * * *": minute field: "*/5/2" has more than one "/""#),
    ])
    func errorMessagesNameFieldAndText(_ text: String, _ expected: String) {
        #expect(throws: CronError.self) { try CronExpression(text) }
        do {
            _ = try CronExpression(text)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func messagesEscapeAndShortenTheExpression() throws {
        let error = try #require(throws: CronError.self) { try CronExpression("0 0 * *\n* \"x\"") }
        #expect(!error.description.contains("\n"))
        let long = String(repeating: "1,", count: 200) + "99 * * * *"
        let longError = try #require(throws: CronError.self) { try CronExpression(long) }
        #expect(longError.description.count < 250)
        #expect(longError.field == .minute)
    }
}

@Suite("Cron fire times: DST and edge cases")
struct CronScheduleTests {
    let berlin = TimeZone(identifier: "Europe/Berlin") ?? .gmt

    @Test("Berlin 2026-03-29: 02:30 does not exist, so it does not fire that day")
    func springForwardSkips() throws {
        let expression = try CronExpression("30 2 * * *")
        let next = expression.nextFire(after: try instant("2026-03-28T12:00:00Z"), in: berlin)
        #expect(next.map(RFC3339.zuluString) == "2026-03-30T00:30:00Z")
        let latest = expression.latestFire(atOrBefore: try instant("2026-03-29T12:00:00Z"), in: berlin)
        #expect(latest.map(RFC3339.zuluString) == "2026-03-28T01:30:00Z")
        // 03:00 exists (CEST, 01:00Z) and fires.
        let three = try CronExpression("0 3 * * *").nextFire(after: try instant("2026-03-28T12:00:00Z"), in: berlin)
        #expect(three.map(RFC3339.zuluString) == "2026-03-29T01:00:00Z")
    }

    @Test("Berlin 2026-10-25: 02:30 happens twice and fires once, at 02:30 CEST")
    func fallBackFiresOnce() throws {
        let expression = try CronExpression("30 2 * * *")
        let first = try #require(expression.nextFire(after: try instant("2026-10-24T12:00:00Z"), in: berlin))
        #expect(RFC3339.zuluString(first) == "2026-10-25T00:30:00Z")
        let second = expression.nextFire(after: first, in: berlin)
        #expect(second.map(RFC3339.zuluString) == "2026-10-26T01:30:00Z", "02:30 CET (01:30Z) does not fire")
        // Asked during the second 02:30 itself.
        let secondPass = try instant("2026-10-25T01:30:00Z")
        #expect(expression.nextFire(after: secondPass, in: berlin).map(RFC3339.zuluString) == "2026-10-26T01:30:00Z")
        #expect(expression.latestFire(atOrBefore: secondPass, in: berlin).map(RFC3339.zuluString) == "2026-10-25T00:30:00Z")
    }

    @Test("every minute through both transitions: strictly increasing, each wall-clock minute once")
    func everyMinuteAcrossTransitions() throws {
        let expression = try CronExpression("* * * * *")
        let wallClock = DateFormatter()
        wallClock.timeZone = berlin
        wallClock.dateFormat = "yyyy-MM-dd HH:mm:ss"
        for (start, end, count) in [
            ("2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z", 360),  // nothing repeats: every UTC minute
            ("2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z", 300),  // the repeated hour once
        ] {
            var cursor = try instant(start)
            let stop = try instant(end)
            var seen = Set<String>()
            var fires = 0
            while let fire = expression.nextFire(after: cursor, in: berlin), fire <= stop {
                #expect(fire > cursor)
                #expect(seen.insert(wallClock.string(from: fire)).inserted, "\(wallClock.string(from: fire)) fired twice")
                fires += 1
                cursor = fire
            }
            #expect(fires == count, "\(start)")
        }
    }

    @Test func subSecondInstantsAndStrictness() throws {
        let expression = try CronExpression("* * * * *")
        let next = { (text: String) throws in expression.nextFire(after: try instant(text), in: .gmt).map(RFC3339.zuluString) }
        let latest = { (text: String) throws in expression.latestFire(atOrBefore: try instant(text), in: .gmt).map(RFC3339.zuluString) }
        #expect(try next("2026-01-15T10:00:59.999Z") == "2026-01-15T10:01:00Z")
        #expect(try next("2026-01-15T10:01:00Z") == "2026-01-15T10:02:00Z", "after is strict")
        #expect(try next("2026-01-15T10:00:59.5Z") == "2026-01-15T10:01:00Z")
        #expect(try latest("2026-01-15T10:01:00Z") == "2026-01-15T10:01:00Z", "at or before includes the instant")
        #expect(try latest("2026-01-15T10:00:59.999Z") == "2026-01-15T10:00:00Z")
        #expect(try latest("2026-01-15T10:01:00.25Z") == "2026-01-15T10:01:00Z")
        let everySecond = try CronExpression("* * * * * *")
        let fire = everySecond.nextFire(after: try instant("2026-01-15T10:00:00.5Z"), in: .gmt)
        #expect(fire.map(RFC3339.zuluString) == "2026-01-15T10:00:01Z")
    }

    @Test("an expression that never fires answers nil, quickly")
    func neverFires() throws {
        let clock = ContinuousClock()
        let started = clock.now
        for text in ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "* * 30-31 2 *", "0 0 0 31 FEB *"] {
            let expression = try CronExpression(text)
            for year in 0..<25 {
                let after = Date(timeIntervalSince1970: 1_767_225_600 + Double(year) * 31_556_952)
                #expect(expression.nextFire(after: after, in: berlin) == nil)
                #expect(expression.latestFire(atOrBefore: after, in: berlin) == nil)
            }
        }
        #expect(clock.now - started < .seconds(2))
    }

    @Test func leapDayAcross2100() throws {
        let expression = try CronExpression("0 0 29 2 *")
        let next = expression.nextFire(after: try instant("2096-03-01T00:00:00Z"), in: .gmt)
        #expect(next.map(RFC3339.zuluString) == "2104-02-29T00:00:00Z")
        let latest = expression.latestFire(atOrBefore: try instant("2103-12-31T00:00:00Z"), in: .gmt)
        #expect(latest.map(RFC3339.zuluString) == "2096-02-29T00:00:00Z")
    }

    @Test func instantsOutsideTheSupportedYearsHaveNoFire() throws {
        let expression = try CronExpression("* * * * * *")
        for date in [
            Date.distantPast, Date(timeIntervalSince1970: .nan), Date(timeIntervalSince1970: .infinity),
            Date(timeIntervalSince1970: -.infinity), Date(timeIntervalSince1970: 1e300),
        ] {
            #expect(expression.nextFire(after: date, in: berlin) == nil || date == .distantPast)
            _ = expression.latestFire(atOrBefore: date, in: berlin)
        }
        #expect(expression.nextFire(after: .distantFuture, in: berlin) != nil)
    }

    @Test func wallClockArithmetic() {
        for seconds: Int64 in [0, -1, 951_782_400, -62_135_596_800, 253_402_300_799, 4_107_542_400] {
            #expect(LocalDateTime(localSeconds: seconds).localSeconds == seconds)
        }
        #expect(LocalDateTime(localSeconds: 0).weekday == 4, "1970-01-01 was a Thursday")
        #expect(LocalDateTime(localSeconds: -86_400).weekday == 3)
        #expect(LocalDateTime(year: 2100, month: 2, day: 1).daysInMonth == 28)
        #expect(LocalDateTime(year: 2000, month: 2, day: 1).daysInMonth == 29)
    }
}

@Suite("Cron robustness")
struct CronFuzzTests {
    static let zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"]
        .compactMap(TimeZone.init(identifier:))

    @Test("random text never crashes the parser")
    func randomText() {
        var random = SeededGenerator(state: 0xC0FFEE)
        let alphabet = Array("0123456789*/-,?@ \tLW#HJANFEBMONSUNsunmonjan\n\u{00A0}é٣\u{0}")
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &random)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &random) ?? " " })
            do {
                let expression = try CronExpression(text)
                accepted += 1
                let zone = Self.zones.randomElement(using: &random) ?? .gmt
                _ = expression.nextFire(after: Date(timeIntervalSince1970: 1_767_225_600), in: zone)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(accepted < 20_000)
    }

    @Test("random valid expressions: next and latest are consistent")
    func randomExpressions() throws {
        var random = SeededGenerator(state: 42)
        let bounds = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
        func item(_ low: Int, _ high: Int) -> String {
            let a = Int.random(in: low...high, using: &random)
            let b = Int.random(in: a...high, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return "*"
            case 1: return "\(a)"
            case 2: return "\(a)-\(b)"
            case 3: return "*/\(Int.random(in: 1...12, using: &random))"
            case 4: return "\(a)-\(b)/\(Int.random(in: 1...5, using: &random))"
            default: return "\(a),\(b)"
            }
        }
        for _ in 0..<3_000 {
            let fields = bounds.map { item($0.0, $0.1) }
            let text = (Bool.random(using: &random) ? fields : Array(fields.dropFirst())).joined(separator: " ")
            let expression = try CronExpression(text)
            let zone = Self.zones.randomElement(using: &random) ?? .gmt
            var instant = Date(timeIntervalSince1970: Double(Int.random(in: 1_600_000_000...1_790_000_000, using: &random)) + 0.25)
            if Bool.random(using: &random), let transition = zone.nextDaylightSavingTimeTransition(after: instant) {
                // Within three hours of a DST transition, where the rules matter.
                instant = transition.addingTimeInterval(Double(Int.random(in: -10_800...10_800, using: &random)))
            }
            if let next = expression.nextFire(after: instant, in: zone) {
                #expect(next > instant, "\(text)")
                #expect(next.timeIntervalSince1970.rounded(.down) == next.timeIntervalSince1970)
                #expect(expression.latestFire(atOrBefore: next, in: zone) == next, "\(text) in \(zone.identifier)")
            }
            if let latest = expression.latestFire(atOrBefore: instant, in: zone) {
                #expect(latest <= instant, "\(text)")
                if let following = expression.nextFire(after: latest, in: zone) {
                    #expect(following > instant, "\(text) in \(zone.identifier): a fire between latest and the instant")
                }
            }
        }
    }
}
