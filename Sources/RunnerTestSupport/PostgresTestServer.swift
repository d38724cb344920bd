import Foundation
public import RunnerStorePostgres

/// The PostgreSQL server of a test run: `scripts/test.sh` starts one
/// (`scripts/postgres-test-server.sh`) and names it in `RUNNER_TEST_POSTGRES_URL`. Tests that
/// need it fail, rather than skip, when it is missing.
public enum PostgresTestServer {
    /// Why a test that needs PostgreSQL cannot run.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            """
            RUNNER_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, or start a server with \
            eval "$(scripts/postgres-test-server.sh start)" first
            """
        }
    }

    /// The server's URL (`postgres://…`), from `RUNNER_TEST_POSTGRES_URL`.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["RUNNER_TEST_POSTGRES_URL"], !url.isEmpty else { throw Missing() }
        return url
    }

    /// The PEM file of the CA that signed the server's TLS certificate (for 127.0.0.1), from
    /// `RUNNER_TEST_POSTGRES_CA`.
    public static func certificateAuthorityFile() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["RUNNER_TEST_POSTGRES_CA"], !path.isEmpty else { throw Missing() }
        return path
    }

    /// A new schema name nobody uses: each test gets an empty database of its own this way.
    public static func freshSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The server's URL on a schema of its own (`?schema=`), as a runner's `STORE_URL`.
    public static func freshURL(schema: String = freshSchema()) throws -> String {
        let url = try url()
        return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// A store configuration on a new, empty schema.
    public static func freshConfiguration(maximumConnections: Int = 10) throws -> PostgresStoreConfiguration {
        var configuration = try PostgresStoreConfiguration(url: try freshURL())
        configuration.maximumConnections = maximumConnections
        return configuration
    }
}
