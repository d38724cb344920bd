internal import Foundation
public import RunnerCore
internal import RunnerTemplates

extension FlowDefinition {
    /// Loads a YGTC flow from YAML (or JSON, which is YAML) source.
    ///
    /// - Parameters:
    ///   - source: the document text.
    ///   - file: the file name used in error messages.
    /// - Throws: ``FlowError`` with code `invalidFlow` naming the file, node and field.
    public init(ygtc source: String, file: String) throws(FlowError) {
        let document: JSONValue
        do {
            document = try JSONValue(yaml: source.replacingOccurrences(of: "\r\n", with: "\n"))
        } catch {
            throw FlowError(.invalidFlow, "not valid YAML: \(error)", file: file)
        }
        try self.init(document: document, file: file)
    }

    /// Loads a YGTC flow from an already parsed document.
    public init(document: JSONValue, file: String) throws(FlowError) {
        let loader = YGTCLoader(file: file)
        self = try loader.load(document)
    }
}
