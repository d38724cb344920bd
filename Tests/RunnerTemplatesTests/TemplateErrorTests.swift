import RunnerCore
import Testing

@testable import RunnerTemplates

@Suite("errors")
struct TemplateErrorTests {
    private func parseError(_ source: String) -> TemplateError? {
        do throws(TemplateError) {
            _ = try Template(source)
            return nil
        } catch {
            return error
        }
    }

    private func renderError(_ source: String, _ data: JSONValue = [:]) -> TemplateError? {
        do throws(TemplateError) {
            _ = try Template(source).render(data)
            return nil
        } catch {
            return error
        }
    }

    @Test("a syntax error reports its line and column")
    func syntaxErrorLocation() throws {
        let error = try #require(parseError("Hello\n  {{name\n"))
        #expect(error.code == .syntax)
        #expect(error.line == 3)
        #expect(error.column == 1)
        #expect(error.description.contains("line 3, column 1"))

        let unclosed = try #require(parseError("a\r\nb\n  {{#if x}}\n  text\n"))
        #expect(unclosed.code == .syntax)
        #expect(unclosed.message.contains("{{/if}}"))
        #expect(unclosed.message.contains("line 3, column 3"))
        #expect(unclosed.line == 5)
        #expect(unclosed.column == 1)
    }

    @Test("a mismatched close names both blocks and points at the close tag")
    func mismatchedClose() throws {
        let error = try #require(parseError("{{#if a}}\n  x\n  {{/each}}"))
        #expect(error.code == .syntax)
        #expect(error.message.hasPrefix("if doesn't match each"))
        #expect(error.line == 3)
        #expect(error.column == 3)
        #expect(error.description == "syntax error at line 3, column 3: \(error.message)")
    }

    @Test("columns count Unicode scalars")
    func unicodeColumns() throws {
        let error = try #require(parseError("héllo 😀 {{/x}}"))
        #expect(error.line == 1)
        #expect(error.column == 9)
    }

    @Test(
        "other syntax errors",
        arguments: [
            "{{else}}", "{{/if}}", "{{foo", "{{!-- open", "{{foo/this}}", "{{items.0}}", "{{x}}}", "{{{x}}", "a\u{0}b",
            "{{#if a}}{{else}}{{else}}{{/if}}", "{{^a}}{{else if b}}{{/a}}", "{{> p a b}}", "{{#each a as |[b]|}}{{/each}}",
            "{{lookup a=1 b}}", "{{#if a}}{{/if}", "{{foo)}}",
        ]
    )
    func otherSyntaxErrors(_ source: String) throws {
        let error = try #require(parseError(source))
        #expect(error.code == .syntax)
        #expect(error.line != nil && error.column != nil)
    }

    @Test(
        "unsupported constructs are named",
        arguments: [
            ("{{#*inline \"row\"}}x{{/inline}}", "inline partials"),
            ("{{*decorator}}", "decorators"),
            ("{{#> layout}}body{{/layout}}", "partial blocks"),
            ("{{> @partial-block}}", "partial blocks"),
            ("{{uppercase (lookup a b)}}", "subexpressions"),
            ("{{> (whichPartial)}}", "dynamic partials"),
            ("{{{{raw}}}} {{x}} {{{{/raw}}}}", "raw blocks"),
        ]
    )
    func unsupported(_ source: String, _ construct: String) throws {
        let error = try #require(parseError(source))
        #expect(error.code == .unsupported)
        #expect(error.message.contains(construct))
        #expect(error.line == 1)
    }

    @Test("a missing partial fails like handlebars.js, only when rendered")
    func missingPartial() throws {
        let error = try #require(renderError("a\n{{> footer}}"))
        #expect(error.code == .missingPartial)
        #expect(error.message == "The partial footer could not be found")
        #expect(error.line == 2)
        #expect(try Template("{{#if false}}{{> footer}}{{/if}}ok").render([:]) == "ok")
    }

    @Test("calling an unknown helper fails with missingHelper")
    func missingHelper() throws {
        let error = try #require(renderError("x {{format date \"short\"}}"))
        #expect(error.code == .missingHelper)
        #expect(error.message == "Missing helper: \"format\"")
        #expect(error.column == 3)
        #expect(renderError("{{#repeat 3}}x{{/repeat}}")?.code == .missingHelper)
        #expect(renderError("{{a.b c}}")?.message == "Missing helper: \"a.b\"")
        #expect(renderError("{{helperMissing a}}")?.code == .missingHelper)
        // Without arguments a name is a lookup, not a helper call.
        #expect(try Template("[{{format}}]").render([:]) == "[]")
    }

    @Test(
        "built-in helpers reject wrong arguments",
        arguments: [
            "{{#if}}x{{/if}}", "{{#if a b}}x{{/if}}", "{{#unless}}x{{/unless}}", "{{#each}}x{{/each}}",
            "{{#each a b}}x{{/each}}", "{{#with}}x{{/with}}", "{{if a}}", "{{each a}}", "{{with a}}", "{{lookup a}}",
            "{{lookup}}", "{{#each a as |x|}}{{/each}}{{#if true as |y|}}{{y}}{{/if}}",
        ]
    )
    func invalidArguments(_ source: String) throws {
        let error = try #require(renderError(source, ["a": ["b": 1], "b": 2]))
        #expect(error.code == .invalidArguments)
    }

    @Test("error codes are distinct and printable")
    func codes() {
        let codes: [TemplateError.Code] = [
            .syntax, .missingPartial, .missingHelper, .depthExceeded, .outputTooLarge, .unsupported, .invalidArguments,
        ]
        #expect(Set(codes).count == codes.count)
        #expect(
            codes.map(\.description) == [
                "syntax", "missingPartial", "missingHelper", "depthExceeded", "outputTooLarge", "unsupported",
                "invalidArguments",
            ]
        )
        #expect(TemplateError(code: .syntax, message: "m").description == "syntax error: m")
    }
}
