import RunnerCore
import Testing

@testable import RunnerTemplates

@Suite("handlebars.js corpus")
struct HandlebarsCorpusTests {
    @Test("the corpus loads and is large enough")
    func corpusLoads() throws {
        let cases = try HandlebarsCorpus.loaded.get()
        #expect(cases.count >= 120)
        for corpusCase in cases {
            #expect(corpusCase.expected != nil || corpusCase.throwsInHandlebarsJS, "\(corpusCase.name) has no result")
        }
    }

    @Test("agrees with handlebars.js", arguments: HandlebarsCorpus.cases)
    func agreesWithHandlebarsJS(_ corpusCase: CorpusCase) {
        let outcome = Result { () throws(TemplateError) -> String in
            let template = try Template(corpusCase.template)
            var partials: [String: Template] = [:]
            for (name, source) in corpusCase.partials { partials[name] = try Template(source) }
            return try template.render(corpusCase.data, partials: partials)
        }
        switch (outcome, corpusCase.expected) {
        case (.success(let output), let expected?) where !corpusCase.throwsInHandlebarsJS:
            #expect(output == expected)
        case (.success(let output), _):
            Issue.record("handlebars.js throws (\(corpusCase.jsError ?? "?")) but the engine rendered \(String(reflecting: output))")
        case (.failure(let error), _) where corpusCase.throwsInHandlebarsJS:
            #expect(!error.message.isEmpty)
        case (.failure(let error), _):
            Issue.record("the engine threw \(error) but handlebars.js renders \(String(reflecting: corpusCase.expected ?? ""))")
        }
    }
}
