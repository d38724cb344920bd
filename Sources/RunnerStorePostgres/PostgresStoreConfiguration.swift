import Foundation
import NIOSSL
import PostgresNIO

/// How ``PostgresRunnerStore`` connects, read from a `postgres://` URL:
///
/// ```text
/// postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=prefer&pool_max=10&connect_timeout=10&statement_timeout=30&schema=public
/// ```
///
/// | query field | default | meaning |
/// | --- | --- | --- |
/// | `sslmode` | `prefer` | `disable`, `prefer` (TLS when the server offers it, unverified), `require` (TLS, unverified, as libpq), `verify-ca` (TLS, chain checked), `verify-full` (chain and host name checked) |
/// | `sslrootcert` | system roots | PEM file of the CA certificates `verify-ca`/`verify-full` trust |
/// | `pool_max` | 10 | the most connections one node opens |
/// | `pool_min` | 0 | connections kept open when idle |
/// | `connect_timeout` | 10 | seconds to establish a connection |
/// | `statement_timeout` | 30 | seconds one store operation may take, waiting for a connection included; also the server's `statement_timeout` and `lock_timeout` |
/// | `schema` | `public` | the schema holding the runner's tables, created when missing (several runners can share a database in different schemas) |
/// | `application_name` | `greentic-runner` | shown in `pg_stat_activity` |
///
/// User name and password are percent-decoded; the port defaults to 5432 and the database to
/// the user name (as libpq does).
public struct PostgresStoreConfiguration: Sendable {
    /// TLS as `sslmode` names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode
    /// The PEM file of trusted CA certificates (`sslrootcert`), else the system's.
    public var rootCertificatesFile: String?
    public var maximumConnections: Int
    public var minimumConnections: Int
    public var connectTimeout: Duration
    /// How long one operation may take, including the wait for a connection.
    public var statementTimeout: Duration
    public var schema: String
    public var applicationName: String

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String? = nil,
        tlsMode: TLSMode = .prefer,
        rootCertificatesFile: String? = nil,
        maximumConnections: Int = 10,
        minimumConnections: Int = 0,
        connectTimeout: Duration = .seconds(10),
        statementTimeout: Duration = .seconds(30),
        schema: String = "public",
        applicationName: String = "greentic-runner"
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database ?? username
        self.tlsMode = tlsMode
        self.rootCertificatesFile = rootCertificatesFile
        self.maximumConnections = maximumConnections
        self.minimumConnections = minimumConnections
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.schema = schema
        self.applicationName = applicationName
    }

    /// An error in a `postgres://` URL, naming the part that is wrong (never the password).
    public struct InvalidURL: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads a `postgres://` or `postgresql://` URL (see the type's documentation).
    public init(url text: String) throws(InvalidURL) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw InvalidURL("not a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        guard let host = components.host, !host.isEmpty else { throw InvalidURL("the URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw InvalidURL("the URL names no user (postgres://USER@HOST/DATABASE)") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.init(
            host: host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host,
            port: components.port ?? 5432,
            username: user,
            password: components.password,
            database: path.isEmpty ? nil : path.removingPercentEncoding ?? path
        )
        var seen: Set<String> = []
        for item in components.queryItems ?? [] {
            let name = item.name.lowercased()
            guard seen.insert(name).inserted else { throw InvalidURL("\(name) is given twice") }
            let value = item.value ?? ""
            switch name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value.lowercased()) else {
                    throw InvalidURL("sslmode=\(value) is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tlsMode = mode
            case "sslrootcert": rootCertificatesFile = value
            case "pool_max": maximumConnections = try Self.integer(name, value, in: 1...1000)
            case "pool_min": minimumConnections = try Self.integer(name, value, in: 0...1000)
            case "connect_timeout": connectTimeout = .seconds(try Self.integer(name, value, in: 1...3600))
            case "statement_timeout": statementTimeout = .seconds(try Self.integer(name, value, in: 1...3600))
            case "schema":
                guard Self.isPlainIdentifier(value) else {
                    throw InvalidURL("schema=\(value) must be a lower-case identifier (letters, digits, _; at most 63)")
                }
                schema = value
            case "application_name": applicationName = value
            default:
                throw InvalidURL(
                    "unknown query field \(item.name) (known: sslmode, sslrootcert, pool_max, pool_min, connect_timeout, statement_timeout, schema, application_name)"
                )
            }
        }
        guard minimumConnections <= maximumConnections else { throw InvalidURL("pool_min is larger than pool_max") }
    }

    private static func integer(_ name: String, _ value: String, in range: ClosedRange<Int>) throws(InvalidURL) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw InvalidURL("\(name)=\(value) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// `[a-z_][a-z0-9_]*`, at most 63 bytes: safe to splice into SQL unquoted.
    static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 63,
            first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return text.utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
        }
    }

    /// The postgres-nio client configuration.
    func clientConfiguration() throws(InvalidURL) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: try tls()
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = minimumConnections
        configuration.options.connectTimeout = connectTimeout
        let milliseconds = String(statementTimeout.components.seconds * 1000)
        configuration.options.additionalStartupParameters = [
            ("search_path", schema),
            ("statement_timeout", milliseconds),
            ("lock_timeout", milliseconds),
            ("application_name", applicationName),
        ]
        return configuration
    }

    private func tls() throws(InvalidURL) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let rootCertificatesFile {
            tls.trustRoots = .file(rootCertificatesFile)
        }
        switch tlsMode {
        case .disable:
            return .disable
        case .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(tls)
        }
    }
}
