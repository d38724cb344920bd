import RunnerCore
import Testing

@testable import RunnerTemplates

/// Untrusted templates must fail cleanly: no unbounded recursion, no runaway output.
@Suite("limits and hostile templates")
struct TemplateLimitsTests {
    private func renderError(
        _ source: String,
        _ data: JSONValue = [:],
        partials: [String: String] = [:],
        limits: TemplateLimits = .init()
    ) -> TemplateError? {
        do throws(TemplateError) {
            var parsed: [String: Template] = [:]
            for (name, partial) in partials { parsed[name] = try Template(partial) }
            _ = try Template(source).render(data, partials: parsed, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test("default limits")
    func defaults() {
        #expect(TemplateLimits().maxOutputBytes == 1 << 20)
        #expect(TemplateLimits().maxDepth == 64)
    }

    @Test("a partial that includes itself hits depthExceeded")
    func recursivePartial() {
        let error = renderError("{{> loop}}", partials: ["loop": "x{{> loop}}"])
        #expect(error?.code == .depthExceeded)
        #expect(error?.line == 1)
    }

    @Test("mutually recursive partials hit depthExceeded")
    func mutuallyRecursivePartials() {
        let error = renderError("{{> a}}", partials: ["a": "{{#if true}}{{> b}}{{/if}}", "b": "{{> a}}"])
        #expect(error?.code == .depthExceeded)
    }

    @Test("recursion that ends before the limit renders")
    func boundedRecursion() throws {
        let tree: JSONValue = ["name": "a", "children": [["name": "b", "children": [["name": "c", "children": []]]]]]
        let node = try Template("{{name}}({{#each children}}{{> node}}{{/each}})")
        let output = try Template("{{> node}}").render(tree, partials: ["node": node])
        #expect(output == "a(b(c()))")
    }

    @Test("output beyond maxOutputBytes fails with outputTooLarge")
    func outputLimit() throws {
        let items = JSONValue.array(Array(repeating: "0123456789", count: 1_000))
        let template = try Template("{{#each items}}{{this}}{{/each}}")
        #expect(try template.render(["items": items], limits: TemplateLimits(maxOutputBytes: 10_000)).utf8.count == 10_000)
        #expect(throws: TemplateError.self) {
            try template.render(["items": items], limits: TemplateLimits(maxOutputBytes: 9_999))
        }
        #expect(
            renderError("{{#each items}}{{this}}{{/each}}", ["items": items], limits: .init(maxOutputBytes: 500))?.code == .outputTooLarge
        )
    }

    @Test("the output limit counts text around an indented partial")
    func outputLimitAcrossIndentedPartials() {
        let limits = TemplateLimits(maxOutputBytes: 20)
        let error = renderError("0123456789\n  {{> p}}\n", partials: ["p": "abcdefghij\n"], limits: limits)
        #expect(error?.code == .outputTooLarge)
        #expect(renderError("0123456789\n  {{> p}}\n", partials: ["p": "abc\n"], limits: limits) == nil)
    }

    @Test("10,000 nested if blocks are rejected by the parser, not the stack")
    func deeplyNestedSource() {
        let depth = 10_000
        let source = String(repeating: "{{#if a}}", count: depth) + "x" + String(repeating: "{{/if}}", count: depth)
        #expect(throws: TemplateError.self) { try Template(source) }
        do {
            _ = try Template(source)
        } catch {
            #expect(error.code == .depthExceeded)
            #expect(error.line == 1)
            #expect(error.column == TemplateParser.maxNestingDepth * 9 + 1)
        }
    }

    @Test("10,000 unclosed opens and long else-if chains are rejected too")
    func deepChains() {
        #expect(throws: TemplateError.self) { try Template(String(repeating: "{{#each a}}", count: 10_000)) }
        let chain = "{{#if a}}" + String(repeating: "{{else if a}}", count: 10_000) + "{{/if}}"
        #expect(throws: TemplateError.self) { try Template(chain) }
    }

    @Test("nesting up to the parser limit parses; rendering it respects maxDepth")
    func nestingAtTheLimit() throws {
        let depth = TemplateParser.maxNestingDepth
        let source = String(repeating: "{{#if a}}", count: depth) + "x" + String(repeating: "{{/if}}", count: depth)
        let template = try Template(source)
        #expect(renderError(source, ["a": true])?.code == .depthExceeded)
        #expect(try template.render(["a": true], limits: TemplateLimits(maxDepth: depth)) == "x")
        #expect(try template.render(["a": false]) == "")
    }

    @Test("maxDepth counts blocks and partials together")
    func depthCountsBlocksAndPartials() throws {
        let partials = ["p": try Template("{{#with a}}{{#with a}}{{v}}{{/with}}{{/with}}")]
        let data: JSONValue = ["a": ["a": ["v": "deep"]]]
        let template = try Template("{{#if true}}{{> p}}{{/if}}")
        #expect(try template.render(data, partials: partials, limits: TemplateLimits(maxDepth: 4)) == "deep")
        #expect(throws: TemplateError.self) {
            try template.render(data, partials: partials, limits: TemplateLimits(maxDepth: 3))
        }
    }

    @Test("deeply nested data is stringified without recursion")
    func deepData() throws {
        var value: JSONValue = 1
        for _ in 0..<3_000 { value = .array([value, .null]) }
        let output = try Template("{{v}}").render(["v": value])
        #expect(output.hasPrefix("1,"))
        #expect(output.utf8.count == 3_001)
    }

    @Test("templates are immutable values that render concurrently")
    func concurrentRendering() async throws {
        let template = try Template("{{#each items}}{{this}}{{/each}}")
        let results = await withTaskGroup(of: String?.self) { group in
            for index in 0..<16 {
                group.addTask { try? template.render(["items": [.int(Int64(index)), "x"]]) }
            }
            var collected: [String] = []
            for await result in group { collected.append(result ?? "error") }
            return collected
        }
        #expect(Set(results) == Set((0..<16).map { "\($0)x" }))
    }
}
