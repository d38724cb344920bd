internal import ArgumentParser
internal import Configuration
internal import Foundation
internal import Logging
internal import RunnerHost
internal import ServiceLifecycle
internal import UnixSignals

/// `greentic-runner serve`: the HTTP server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every tenant of the pack index over HTTP.",
        discussion: """
            With no PACK_INDEX_URL and no --bindings, serves the bundled demo (examples/index.json, \
            examples/bindings/demo.yaml) on SQLite. Environment variables are listed in the README.
            """
    )

    @Option(name: .customLong("bindings"), help: "A tenant bindings YAML file (repeat for each tenant).")
    var bindings: [String] = []

    @Option(help: "Port to listen on (overrides PORT; default 8080).")
    var port: Int?

    @Option(help: "Address to listen on (overrides HOST; default 0.0.0.0).")
    var host: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment))
        let configuration: RunnerHostConfiguration
        do {
            configuration = try RunnerHostConfiguration(config: reader, bindingsFiles: bindings, port: port, host: host)
        } catch {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: environment["LOG_LEVEL"]?.lowercased() ?? "") ?? .info
            return handler
        }
        let logger = Logger(label: "greentic.runner")
        let host = RunnerHost(configuration: configuration, environment: environment, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: host)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}
