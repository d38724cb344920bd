internal import ArgumentParser
internal import Foundation
internal import RunnerCore
internal import RunnerFlow
internal import RunnerPacks

/// Reading input files with a clear error.
enum CLIInput {
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return Array(data)
    }
}
