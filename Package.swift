// swift-tools-version:6.3
import PackageDescription

// Settings shared by every target of ours. Warnings become errors only when
// RUNNER_WARNINGS_AS_ERRORS is set (CI), so dependencies are never affected.
var swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
if Context.environment["RUNNER_WARNINGS_AS_ERRORS"] != nil {
    swiftSettings.append(.treatAllWarnings(as: .error))
}

let package = Package(
    name: "greentic-runner",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "greentic-runner", targets: ["greentic-runner"]),
        .library(name: "RunnerHost", targets: ["RunnerHost"]),
        .library(name: "RunnerCore", targets: ["RunnerCore"]),
        .library(name: "RunnerPacks", targets: ["RunnerPacks"]),
        .library(name: "RunnerFlow", targets: ["RunnerFlow"]),
        .library(name: "RunnerIngress", targets: ["RunnerIngress"]),
        .library(name: "RunnerChannels", targets: ["RunnerChannels"]),
    ],
    dependencies: [
        // Exactly one trait each for WasmKit and Hummingbird: SwiftPM passes trait -D flags
        // in a random order on every re-plan, and two or more traits force recompiles.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["ConfigurationSupport"]),
        .package(url: "https://github.com/swiftwasm/WasmKit.git", .upToNextMinor(from: "0.4.2"), traits: ["MultiThread"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.36.0"),
    ],
    targets: [
        .target(
            name: "RunnerCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS Signature Version 4 and the other request signing the cloud backends share.
        .target(
            name: "RunnerCloud",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerTemplates",
            dependencies: ["RunnerCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerPacks",
            dependencies: [
                "RunnerCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerFlow",
            dependencies: [
                "RunnerCore",
                "RunnerTemplates",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerWasm",
            dependencies: [
                "RunnerCore",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerStoreSQLite",
            dependencies: [
                "RunnerCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerStorePostgres",
            dependencies: [
                "RunnerCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerIngress",
            dependencies: [
                "RunnerCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerChannels",
            dependencies: [
                "RunnerCore",
                "RunnerIngress",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerHost",
            dependencies: [
                "RunnerCore",
                "RunnerChannels",
                "RunnerPacks",
                "RunnerFlow",
                "RunnerWasm",
                "RunnerStoreSQLite",
                "RunnerStorePostgres",
                "RunnerIngress",
                "RunnerCloud",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RunnerCLI",
            dependencies: [
                "RunnerHost",
                "RunnerPacks",
                "RunnerFlow",
                "RunnerWasm",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "greentic-runner",
            dependencies: ["RunnerCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // Not a product: the bare Hummingbird route benchmarks/run.sh measures the runner against.
        .executableTarget(
            name: "greentic-bench-baseline",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Not a product: the Wasm node call cost benchmarks/run.sh reports.
        .executableTarget(name: "greentic-bench-wasm", dependencies: ["RunnerWasm"], swiftSettings: swiftSettings),
        // Not a product: conformance suites and fixtures shared by the test targets only.
        .target(
            name: "RunnerTestSupport",
            dependencies: [
                "RunnerCore", "RunnerFlow", "RunnerPacks", "RunnerWasm", "RunnerStorePostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerCoreTests",
            dependencies: ["RunnerCore", "RunnerTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerCloudTests",
            dependencies: ["RunnerCloud"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerTemplatesTests",
            dependencies: ["RunnerTemplates"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerPacksTests",
            dependencies: ["RunnerPacks", "RunnerTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RunnerFlowTests", dependencies: ["RunnerFlow", "RunnerTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RunnerWasmTests",
            dependencies: ["RunnerWasm", "RunnerTestSupport", .product(name: "WAT", package: "WasmKit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerStoreSQLiteTests",
            dependencies: ["RunnerStoreSQLite", "RunnerTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerStorePostgresTests",
            dependencies: ["RunnerStorePostgres", "RunnerTestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RunnerIngressTests", dependencies: ["RunnerIngress", "RunnerTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RunnerChannelsTests",
            dependencies: [
                "RunnerChannels", "RunnerIngress", "RunnerCore", "RunnerTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerHostTests",
            dependencies: [
                "RunnerHost", "RunnerTestSupport", "RunnerIngress", "RunnerChannels", "RunnerStoreSQLite", "RunnerStorePostgres",
                "RunnerCore", "RunnerPacks", "RunnerCloud",
                "RunnerFlow",
                "RunnerWasm",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RunnerCLITests",
            dependencies: [
                "greentic-runner", "RunnerCore", "RunnerPacks", "RunnerTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
