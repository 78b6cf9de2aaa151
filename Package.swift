// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Xanh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "xanh", targets: ["xanh"]),
        .library(name: "XanhCore", targets: ["XanhCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // XLSX templates and exports are Office Open XML in a ZIP container.
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // The production engine for national and large-province deployments.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: no I/O beyond reading its own bundled reference data.
        .target(
            name: "XanhCore",
            resources: [.copy("Resources")]
        ),
        // Storage protocols, shared by every engine.
        .target(name: "XanhStore", dependencies: ["XanhCore"]),
        // SQLite engine (GRDB).
        .target(
            name: "XanhSQLite",
            dependencies: ["XanhCore", "XanhStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // PostgreSQL engine (PostgresNIO): partitioned observations, COPY/UNNEST ingest.
        .target(
            name: "XanhPostgres",
            dependencies: ["XanhCore", "XanhStore", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // HTTP layer: receives stores through its initialiser, never imports an engine.
        .target(
            name: "XanhServer",
            dependencies: [
                "XanhCore", "XanhStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Templates"), .copy("openapi.json")]
        ),
        .executableTarget(
            name: "xanh",
            dependencies: [
                "XanhCore", "XanhStore", "XanhSQLite", "XanhPostgres", "XanhServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "XanhCoreTests", dependencies: ["XanhCore"]),
        .testTarget(name: "XanhStoreTests", dependencies: ["XanhCore", "XanhStore", "XanhSQLite", "XanhPostgres"]),
        .testTarget(
            name: "XanhServerTests",
            dependencies: [
                "XanhCore", "XanhStore", "XanhSQLite", "XanhPostgres", "XanhServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
