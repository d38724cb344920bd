public import ArgumentParser

/// The `greentic-runner` command line: the server plus the pack, key, index and flow tools.
public struct GreenticRunnerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "greentic-runner",
        abstract: "A multi-tenant runtime for chat bots and automations built from signed packs.",
        subcommands: [ServeCommand.self, PackCommand.self, KeysCommand.self, IndexCommand.self, FlowCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    public init() {}
}
