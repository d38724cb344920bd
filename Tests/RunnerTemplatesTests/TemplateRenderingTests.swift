import Foundation
import RunnerCore
import Testing

@testable import RunnerTemplates

/// Behaviour the corpus cannot pin down: the Swift API, and places where the engine follows real
/// JavaScript or the product's own rules (sorted keys, exact 64-bit integers).
@Suite("rendering")
struct TemplateRenderingTests {
    @Test("the Rust original's weather vector")
    func weatherVector() throws {
        let line = try Template("{{temp}}C today")
        let output = try Template("Weather in {{city}}: {{> line}}").render(
            ["city": "London", "temp": 20],
            partials: ["line": line]
        )
        #expect(output == "Weather in London: 20C today")
    }

    @Test("a parsed template renders many times against different data")
    func reuse() throws {
        let template = try Template("Hi {{name}}{{#if vip}}!{{/if}}")
        #expect(try template.render(["name": "a"]) == "Hi a")
        #expect(try template.render(["name": "<b>", "vip": true]) == "Hi &lt;b&gt;!")
        #expect(try template.render(.null) == "Hi ")
    }

    @Test("objects iterate in sorted key order, whatever order they were built in")
    func sortedKeys() throws {
        let template = try Template("{{#each o}}{{@index}}{{@key}}={{this}}{{#unless @last}},{{/unless}}{{/each}}")
        let object: JSONValue = ["zeta": 1, "alpha": 2, "Beta": 3, "10": 4, "9": 5, "é": 6]
        #expect(try template.render(["o": object]) == "010=4,19=5,2Beta=3,3alpha=2,4zeta=1,5é=6")
    }

    @Test("64-bit integers print exactly (JavaScript would round past 2^53)")
    func exactIntegers() throws {
        let output = try Template("{{a}} {{b}} {{c}}").render([
            "a": .int(9_007_199_254_740_993), "b": .int(Int64.min), "c": .int(-42),
        ])
        #expect(output == "9007199254740993 -9223372036854775808 -42")
    }

    @Test(
        "doubles print like JavaScript's String(n)",
        arguments: [
            (1.5, "1.5"), (2.0, "2"), (-0.0, "0"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"), (1.23e-18, "1.23e-18"), (0.1 + 0.2, "0.30000000000000004"), (.leastNonzeroMagnitude, "5e-324"),
            (.greatestFiniteMagnitude, "1.7976931348623157e+308"), (-123.456, "-123.456"), (123456789.125, "123456789.125"),
            (Double.nan, "NaN"), (Double.infinity, "Infinity"), (-Double.infinity, "-Infinity"), (4.35, "4.35"),
            (0.5e-6, "5e-7"), (2.5e15, "2500000000000000"), (1.2345678901234567e21, "1.2345678901234568e+21"),
        ]
    )
    func doubles(_ value: Double, _ expected: String) throws {
        // Expected strings verified with node's String(n).
        #expect(try Template("{{v}}").render(["v": .double(value)]) == expected)
        #expect(JSNumberFormatter.string(from: value) == expected)
    }

    @Test("string indexes and lengths follow JavaScript (UTF-16)")
    func stringProperties() throws {
        let output = try Template("{{s.length}}|{{s.[1]}}|{{lookup s 0}}|{{e.length}}").render(["s": "héllo", "e": "😀"])
        #expect(output == "5|é|h|2")
    }

    @Test("a hash creates a new context object for a partial")
    func partialHashContext() throws {
        let partial = try Template("{{#each this}}{{@key}}={{this}};{{/each}}")
        let output = try Template("{{> p o extra=1 b=\"B\"}}").render(
            ["o": ["b": "b", "a": "a"]],
            partials: ["p": partial]
        )
        #expect(output == "a=a;b=B;extra=1;")
    }

    @Test("JSONValue helpers use handlebars.js rules")
    func jsonValueHelpers() {
        #expect(JSONValue.double(2).handlebarsString == "2")
        #expect(JSONValue.array([1, .null, ["a", .bool(true)]]).handlebarsString == "1,,a,true")
        #expect(JSONValue.object(["a": 1]).handlebarsString == "[object Object]")
        #expect(JSONValue.null.handlebarsString == "")
        #expect(JSONValue.object([:]).isHandlebarsTruthy)
        #expect(!JSONValue.array([]).isHandlebarsTruthy)
        #expect(!JSONValue.int(0).isHandlebarsTruthy)
        #expect(!JSONValue.double(.nan).isHandlebarsTruthy)
        #expect(!JSONValue.string("").isHandlebarsTruthy)
        #expect(JSONValue.string("0").isHandlebarsTruthy)
    }

    @Test("HTML escaping covers every character handlebars.js escapes")
    func escaping() throws {
        #expect(HTMLEscaping.escape("&<>\"'`= plain é") == "&amp;&lt;&gt;&quot;&#x27;&#x60;&#x3D; plain é")
        #expect(
            try Template("{{v}}|{{{v}}}|{{&v}}").render(["v": "<a href='x'>"])
                == "&lt;a href&#x3D;&#x27;x&#x27;&gt;|<a href='x'>|<a href='x'>"
        )
    }

    @Test("standalone lines: blocks, else, comments and partials vanish with their line")
    func standaloneLines() throws {
        let source = """
            <ul>
              {{#each items}}
              {{! one line per item }}
              <li>{{name}}</li>
              {{else}}
              <li>none</li>
              {{/each}}
            </ul>
            """
        let template = try Template(source)
        #expect(try template.render(["items": [["name": "a"], ["name": "b"]]]) == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>")
        #expect(try template.render(["items": []]) == "<ul>\n  <li>none</li>\n</ul>")
        let crlf = try Template(source.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(try crlf.render(["items": [["name": "a"]]]) == "<ul>\r\n  <li>a</li>\r\n</ul>")
    }

    @Test("JavaScript loose equality decides whether a block adds a ../ level")
    func looseEquality() {
        let object = TemplateValue.object(.json([:]), ValueIdentity(origin: 0, path: ["o"]))
        #expect(TemplateValue.looseEquals(.int(1), .string(" 1 ")))
        #expect(TemplateValue.looseEquals(.bool(true), .string("1")))
        #expect(TemplateValue.looseEquals(.null, .undefined))
        #expect(!TemplateValue.looseEquals(.null, .int(0)))
        #expect(TemplateValue.looseEquals(object, .string("[object Object]")))
        #expect(TemplateValue.looseEquals(.array(["x"], ValueIdentity(origin: 0, path: ["a"])), .string("x")))
        #expect(!TemplateValue.looseEquals(object, .object(.json([:]), ValueIdentity(origin: 0, path: ["p"]))))
        #expect(TemplateValue.looseEquals(.double(16), .string("0x10")))
        #expect(!TemplateValue.looseEquals(.double(.nan), .double(.nan)))
        #expect(TemplateValue.looseEquals(.int(0), .string("")))
    }
}
