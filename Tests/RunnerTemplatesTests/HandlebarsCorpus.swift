import Foundation
import RunnerCore
import Testing

/// One case of Fixtures/handlebars-corpus.json, whose results come from handlebars.js itself
/// (scripts/handlebars-oracle.py).
struct CorpusCase: Sendable, CustomTestStringConvertible {
    var name: String
    var template: String
    var data: JSONValue
    var partials: [String: String]
    /// What handlebars.js renders, unless it throws.
    var expected: String?
    var throwsInHandlebarsJS: Bool
    var jsError: String?

    var testDescription: String { name }
}

enum HandlebarsCorpus {
    static let loaded: Result<[CorpusCase], TestJSONParser.Failure> = load()

    static var cases: [CorpusCase] { (try? loaded.get()) ?? [] }

    private static func load() -> Result<[CorpusCase], TestJSONParser.Failure> {
        guard let url = Bundle.module.url(forResource: "handlebars-corpus", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url)
        else {
            return .failure(TestJSONParser.Failure(description: "Fixtures/handlebars-corpus.json is missing"))
        }
        do throws(TestJSONParser.Failure) {
            guard case .array(let entries) = try TestJSONParser.parse(String(decoding: data, as: UTF8.self)) else {
                return .failure(TestJSONParser.Failure(description: "the corpus is not an array"))
            }
            var cases: [CorpusCase] = []
            for entry in entries {
                guard let name = entry["name"]?.stringValue, let template = entry["template"]?.stringValue else {
                    return .failure(TestJSONParser.Failure(description: "a case lacks name or template"))
                }
                var partials: [String: String] = [:]
                for (partialName, source) in entry["partials"]?.objectValue ?? [:] {
                    partials[partialName] = source.stringValue ?? ""
                }
                cases.append(
                    CorpusCase(
                        name: name,
                        template: template,
                        data: entry["data"] ?? .null,
                        partials: partials,
                        expected: entry["expected"]?.stringValue,
                        throwsInHandlebarsJS: entry["error"]?.boolValue ?? false,
                        jsError: entry["jsError"]?.stringValue
                    )
                )
            }
            return .success(cases)
        } catch {
            return .failure(error)
        }
    }
}
