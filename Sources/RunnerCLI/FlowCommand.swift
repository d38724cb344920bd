internal import ArgumentParser
internal import Foundation
internal import RunnerCore
internal import RunnerHost

/// `greentic-runner flow run`.
struct FlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flow", abstract: "Run flows locally.", subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one flow of a pack and print the result with a node-by-node trace.",
            discussion: """
                Prints one JSON object: {"ok", "status" (completed|paused|failed), "output", "trace": \
                [{"id", "component", "ok", "payload"}…], "error"?}. Exits 0 when the flow completed or \
                paused, 1 when it failed.
                """
        )

        @Argument(help: "The .gtpack file.")
        var pack: String

        @Argument(help: "The flow id.")
        var flow: String

        @Option(help: "The flow input as JSON (becomes `input` unchanged).")
        var input: String = "null"

        func run() async throws {
            let inputValue: JSONValue
            do {
                inputValue = try JSONValue(parsing: input)
            } catch {
                CLIOutput.print([
                    "ok": false, "error": ["code": "invalid_input", "message": .string("--input is not valid JSON: \(error)")],
                ])
                throw ExitCode.failure
            }
            let runner: LocalFlowRunner
            do {
                runner = try LocalFlowRunner(archive: try CLIInput.read(pack))
            } catch {
                CLIOutput.print(["ok": false, "error": ["code": "invalid_pack", "message": .string("\(error)")]])
                throw ExitCode.failure
            }
            defer { runner.shutdown() }
            guard runner.flowIDs.contains(flow) else {
                CLIOutput.print([
                    "ok": false,
                    "error": [
                        "code": "unknown_flow",
                        "message": .string("the pack has no flow '\(flow)'; flows: \(runner.flowIDs.joined(separator: ", "))"),
                    ],
                ])
                throw ExitCode.failure
            }
            let result = await runner.run(flowID: flow, input: inputValue)
            CLIOutput.print(result.json)
            if result.error != nil { throw ExitCode.failure }
        }
    }
}
