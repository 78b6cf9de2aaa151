// swift-tools-version:6.1
import PackageDescription

// Modules, each meaning one thing (docs/architecture.md): imports go down this list, never up.
//   XanhCore          the domain, reference data and file formats; no I/O but its own resources
//   XanhStore         storage capabilities (protocols) and the values they carry
//   XanhSQL           the SQL seam: statements, rows, transactions, dialects
//   XanhSQLStore      every store written once over the seam, with the schema and its migrations
//   XanhSQLite        the GRDB driver
//   XanhPostgres      the PostgresNIO driver
//   XanhSensorThings  OGC SensorThings API 1.1: query language, SQL compiler, views, service
//   XanhServices      the use cases: ingest and the drop folder, derivation, alerts, indicators, maintenance
//   XanhHTTP          routes, middleware, pages and their labels, the OpenAPI document
//   xanh              the command-line tool and composition root
//   xanh-bench        benchmarks (Benchmarks/), outside the production binary
let package = Package(
    name: "Xanh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "xanh", targets: ["xanh"]),
        .executable(name: "xanh-bench", targets: ["XanhBench"]),
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
        // Passwords (bcrypt) and second factors (TOTP) for people's accounts.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // SHA-256 over request bodies as they stream past the audit (hummingbird-auth's OTP already builds it).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "XanhCore",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Resources")]
        ),
        .target(name: "XanhStore", dependencies: ["XanhCore"]),
        .target(name: "XanhSQL", dependencies: ["XanhCore", "XanhStore"]),
        .target(name: "XanhSensorThings", dependencies: ["XanhCore", "XanhStore", "XanhSQL"]),
        .target(name: "XanhSQLStore", dependencies: ["XanhCore", "XanhStore", "XanhSQL", "XanhSensorThings"]),
        .target(
            name: "XanhSQLite",
            dependencies: ["XanhCore", "XanhStore", "XanhSQL", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "XanhPostgres",
            dependencies: [
                "XanhCore", "XanhStore", "XanhSQL", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "XanhServices",
            dependencies: [
                "XanhCore", "XanhStore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "XanhHTTP",
            dependencies: [
                "XanhCore", "XanhStore", "XanhServices", "XanhSensorThings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates"), .copy("Labels"), .copy("openapi.json")]
        ),
        .executableTarget(
            name: "xanh",
            dependencies: [
                "XanhCore", "XanhStore", "XanhSQL", "XanhSQLStore", "XanhSQLite", "XanhPostgres", "XanhSensorThings", "XanhServices", "XanhHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "XanhBench",
            dependencies: [
                "XanhCore", "XanhStore", "XanhSQL", "XanhSQLStore", "XanhSQLite", "XanhPostgres", "XanhSensorThings", "XanhServices", "XanhHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/XanhBench"
        ),
        .testTarget(name: "XanhCoreTests", dependencies: ["XanhCore"]),
        .testTarget(name: "XanhSensorThingsTests", dependencies: ["XanhCore", "XanhSQL", "XanhSensorThings"]),
        .testTarget(
            name: "XanhStoreTests",
            dependencies: ["XanhCore", "XanhStore", "XanhSQL", "XanhSQLStore", "XanhSQLite", "XanhPostgres", "XanhSensorThings", "XanhServices"]
        ),
        .testTarget(
            name: "XanhHTTPTests",
            dependencies: [
                "XanhCore", "XanhStore", "XanhSQL", "XanhSQLStore", "XanhSQLite", "XanhPostgres", "XanhSensorThings", "XanhServices", "XanhHTTP",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
