import Testing

@testable import RunnerCore

@Suite("JSONValue parsing and serialisation")
struct JSONValueTests {
    @Test func parsesEveryKind() throws {
        let value = try JSONValue(parsing: #"{"a":[1,-2,3.5,1e3,true,false,null,"x\n\u00e9\ud83d\ude00"],"b":{}}"#)
        #expect(
            value
                == .object([
                    "a": [.int(1), .int(-2), .double(3.5), .double(1000), true, false, nil, .string("x\né😀")],
                    "b": .object([:]),
                ])
        )
    }

    @Test func keepsLargeIntegersExact() throws {
        let value = try JSONValue(parsing: "[9223372036854775807,-9223372036854775808,9223372036854775808]")
        #expect(value == [.int(Int64.max), .int(Int64.min), .double(9_223_372_036_854_775_808)])
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"\u{01}\"", "[1] x", "tru", "\"\\ud800\"", "{1:2}", "nul",
        "1e", "\"abc",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
    }

    @Test func limitsDepth() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        #expect(error.isDepthExceeded)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
        let hostile = String(repeating: "{\"a\":", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: hostile) }
    }

    @Test func serialisesLikeSerdeJSON() {
        let value: JSONValue = ["b": 1, "a": ["x/y", 1.5, 2.0, 1e21, nil, true], "c": "quote\" back\\ tab\t ctl\u{01} é"]
        #expect(
            value.serializedString()
                == #"{"a":["x/y",1.5,2.0,1e21,null,true],"b":1,"c":"quote\" back\\ tab\t ctl\u0001 é"}"#
        )
    }

    @Test func byteCountMatchesTheSerialisation() throws {
        let samples: [JSONValue] = [
            nil, true, false, 0, -12345, 1.5, 1e21, "", "plain", "q\"b\\n\nt\tc\u{01}é😀", [], [1, [2, [3]]], [:],
            ["b": 1, "a": ["x": "y", "z": [true, nil]]],
        ]
        for sample in samples {
            #expect(sample.serializedByteCount == sample.serializedBytes().count, "\(sample)")
        }
    }

    @Test func roundTrips() throws {
        let text = #"{"id":12345678901234,"nested":{"list":[{"k":"v"},[],{}],"pi":3.14159},"s":"ünï\"cøde"}"#
        let value = try JSONValue(parsing: text)
        #expect(value.serializedString() == text)
        #expect(try JSONValue(parsing: value.serializedBytes()) == value)
    }

    @Test func accessors() {
        let value: JSONValue = ["s": "x", "n": 2, "d": 2.0, "h": 2.5, "o": ["k": true]]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.int64Value == 2)
        #expect(value["d"]?.int64Value == 2)
        #expect(value["h"]?.int64Value == nil)
        #expect(value["o"]?["k"]?.boolValue == true)
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["k"] == nil)
    }
}

@Suite("YAML to JSON")
struct YAMLConversionTests {
    @Test func resolvesCoreScalars() throws {
        let value = try JSONValue(yaml: "a: 1\nb: 1.5\nc: true\nd: ~\ne: '12'\nf: hello\ng: [1, two]\nh: {x: y}\n")
        #expect(value == ["a": 1, "b": 1.5, "c": true, "d": nil, "e": "12", "f": "hello", "g": [1, "two"], "h": ["x": "y"]])
    }

    @Test func emptyDocumentIsNull() throws {
        #expect(try JSONValue(yaml: "") == .null)
    }

    @Test func refusesBillionLaughs() {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            yaml +=
                "\(name): &\(name) [*\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous), *\(previous)]\n"
            previous = name
        }
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: yaml) }
    }

    @Test func reportsSyntaxErrors() {
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "a: [1, 2\nb: c") }
    }

    @Test func rejectsComplexKeys() {
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "? [a, b]\n: c\n") }
    }
}

@Suite("YAML nesting guard")
struct YAMLDepthGuardTests {
    @Test func refusesDeepFlowCollectionsBeforeComposing() throws {
        let hostile = "a: " + String(repeating: "[", count: 200_000)
        let error = try #require(throws: YAMLConversionError.self) { try JSONValue(yaml: hostile) }
        #expect(error.message.contains("deeper than 64"))
        #expect(error.line == 1)
    }

    @Test func refusesDeepBlockNesting() throws {
        let dashes = String(repeating: "- ", count: 100_000) + "x"
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: dashes) }
        var indented = ""
        for level in 0..<400 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: indented) }
    }

    @Test func refusesAnchorsAndAliases() throws {
        var chain = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            chain += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        chain += "? *l8\n: boom\n"
        let error = try #require(throws: YAMLConversionError.self) { try JSONValue(yaml: chain) }
        #expect(error.message.contains("anchors and aliases"))
        #expect(error.line == 1)
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "a: [1]\nb: *a\n") }
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "- {k: &x 1}\n") }
    }

    @Test func apostrophesInPlainTextDoNotHideNesting() throws {
        var yaml = "a: it's\n"
        for level in 0..<300 { yaml += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: yaml) }
        #expect(try JSONValue(yaml: "a: don't stop\nb: 2 * 3 & more\n") == ["a": "don't stop", "b": "2 * 3 & more"])
    }

    @Test func exoticLineBreaksAreRefused() {
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "x:\r  - - - y") }
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "x: a\u{2028}  b") }
        #expect(throws: Never.self) { try JSONValue(yaml: "x: 1\r\ny: 2\r\n") }
    }

    @Test func blockScalarsAndLongQuotedLinesAreAccepted() throws {
        let longLine = String(repeating: "w", count: 300)
        let yaml = """
            template: |
              * a markdown bullet & [an unclosed bracket
                  {{#each items}} *not an alias*
            folded: >-
              text
            quoted: "first line
              \(longLine) end" # a comment
            after: ok
            """
        let value = try JSONValue(yaml: yaml)
        #expect(value["template"]?.stringValue?.hasPrefix("* a markdown bullet") == true)
        #expect(value["after"] == "ok")
    }

    @Test func randomYAMLishTextNeverTraps() {
        let alphabet = Array(" \n\n  -:?|>#'\"[]{},&*!\\ab1\r\t".utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            _ = try? YAMLDepthGuard.check(String(decoding: bytes, as: UTF8.self), maxFlowDepth: 8, maxContentColumn: 16)
        }
    }

    @Test func acceptsRealisticDocuments() throws {
        let yaml = """
            # a comment with [ brackets {
            id: "quoted [ not counted"
            list: ['a', "b]", [1, [2, [3]]]]
            nested:
              - - deep: {x: [y]}
            text: |
              a block scalar with ] and [ inside
            """
        let value = try JSONValue(yaml: yaml)
        #expect(value["id"] == "quoted [ not counted")
        #expect(value["list"] == ["a", "b]", [1, [2, [3]]]])
        #expect(value["nested"] == [[["deep": ["x": ["y"]]]]])
    }

    @Test func nestingJustUnderTheLimitsComposes() throws {
        let flow = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(throws: Never.self) { try JSONValue(yaml: flow) }
        var indented = ""
        for level in 0..<60 { indented += String(repeating: " ", count: level * 2) + "k\(level):\n" }
        #expect(throws: Never.self) { try JSONValue(yaml: indented) }
    }
}
