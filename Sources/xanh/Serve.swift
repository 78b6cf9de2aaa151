import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhSensorThings
import XanhServices
import XanhStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (API, public pages, derivation).")

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on (env XANH_HOST).") var host: String?
    @Option(help: "Port (env XANH_PORT; default 8080).") var port: Int?
    @Flag(help: "Fill an empty database with demo stations and 30 days of data up to now.") var demo = false
    @Option(help: "With --demo: province boundaries (GeoJSON) for the map (default ../shared/data/vn_provinces_34_2025.geojson, when present).")
    var boundaries: String?
    @Option(help: "Watch this Circular 10/2021 drop folder (env XANH_DROP).") var drop: String?
    @OptionGroup var placement: DropPlacement
    @Option(help: "SMTP relay for e-mail alerts, HOST:PORT (env XANH_SMTP).") var smtp: String?
    @Option(help: "Sender address of e-mail alerts (env XANH_SMTP_FROM).") var smtpFrom: String?
    @Flag(help: "Serve reads only, e.g. from a PostgreSQL read replica: no derivation, alerts or drop folder; writes get 405 (env XANH_READ_ONLY=1).")
    var readOnly = false
    @OptionGroup var limitOptions: LimitOptions

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let isReadOnly = readOnly || env["XANH_READ_ONLY"] == "1"
        if isReadOnly && (demo || drop != nil) { throw ValidationError("--read-only cannot load the demo or watch a drop folder") }
        let limits = try limitOptions.resolve()
        let db = try await store.open(limits: limits)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let services = db.services(limits: limits, counters: .prometheus(registry))
        let sensorThings = STAService(store: db, catalogue: db.reference.parameters, limits: limits, clock: services.clock)
        var logger = Logger(label: "xanh")
        logger.logLevel = .info
        // Settings an administrator changed at run time win over the start values (decision 0018).
        for item in try await services.settings.load() { logger.warning("saved setting \(item) is not valid; the start value stays") }
        if demo {
            let added = try await DemoLoader.load(services: services)
            if added > 0 {
                try await db.audited("serve --demo", entity: "demo", key: "network", after: IndicatorJSON.encode(["observations": String(added)]))
            }
            logger.info(added == 0 ? "demo: database already holds data; nothing added" : "demo: added \(added) observations")
            // A demo stopped a while ago catches up to now before it serves (at most two days of rows).
            if added == 0 {
                let fed = try await DemoLoader.feed(services: services)
                if fed > 0 {
                    _ = try await services.deriver.drain()
                    logger.info("demo: caught up with \(fed) observations")
                }
            }
            // The map's provinces, from the shared data beside the checkout when present (the map works without them).
            let file = boundaries ?? env["XANH_BOUNDARIES"] ?? "../shared/data/vn_provinces_34_2025.geojson"
            if try await db.outlines().isEmpty, let data = FileManager.default.contents(atPath: file) {
                let r = try await ProvinceBoundaries.attach(data, store: db)
                logger.info("demo: attached \(r.attached) of \(r.features) province boundaries from \(file)")
            }
        }
        var alerts = AlertConfig(allowPrivateWebhooks: limits.allowPrivateWebhooks)
        if let s = smtp ?? env["XANH_SMTP"] {
            let parts = s.split(separator: ":")
            guard parts.count <= 2, let host = parts.first, let p = parts.count == 2 ? Int(parts[1]) : 25 else {
                throw ValidationError("--smtp must be HOST or HOST:PORT")
            }
            alerts.smtp = SMTPConfig(host: String(host), port: p, from: smtpFrom ?? env["XANH_SMTP_FROM"] ?? "xanh@localhost")
        }
        var config = ServerConfig(
            host: host ?? env["XANH_HOST"] ?? "127.0.0.1", port: port ?? env["XANH_PORT"].flatMap(Int.init) ?? 8080,
            drop: (drop ?? env["XANH_DROP"]).map(placement.config(root:)), alerts: alerts, readOnly: isReadOnly)
        config.demoFeed = demo
        let app = try await buildApplication(services, sensorThings: sensorThings, metrics: registry, config: config, logger: logger)
        // SIGTERM and SIGINT end the service group gracefully: in-flight requests finish, background services stop,
        // then the database is closed.
        try await app.runService()
        await db.close()
        logger.info("stopped")
    }
}

/// Every limit as `--limit NAME=VALUE` (repeatable) or its environment variable; flags win over the environment.
struct LimitOptions: ParsableArguments {
    @Option(
        name: .customLong("limit"),
        help: ArgumentHelp(
            "A limit, NAME=VALUE (repeatable): \(Limits.settings.map(\.flag).joined(separator: ", ")); or the environment variable XANH_NAME (docs/operations.md).",
            valueName: "NAME=VALUE"))
    var limit: [String] = []

    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Limits {
        var limits = Limits()
        for s in Limits.settings {
            if let v = environment[s.environment], !v.isEmpty, !s.set(&limits, v) {
                throw ValidationError("\(s.environment)=\(v) is not a valid value (\(s.help))")
            }
        }
        for item in limit {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let s = Limits.settings.first(where: { $0.flag == parts[0] }) else {
                throw ValidationError("--limit \(item): expected NAME=VALUE with NAME one of \(Limits.settings.map(\.flag).joined(separator: ", "))")
            }
            guard s.set(&limits, parts[1]) else { throw ValidationError("--limit \(item): not a valid value (\(s.help))") }
        }
        return limits
    }
}

/// Where a drop folder's files go, and when a file counts as complete.
struct DropPlacement: ParsableArguments {
    @Option(help: "Archive of ingested files (default DROP-archive).") var archive: String?
    @Option(help: "Quarantine of files that cannot be ingested (default DROP-quarantine).") var quarantine: String?
    @Option(help: "Seconds a file must stay unmodified before it is read.") var settle: Double = 1
    @Option(help: "Files stored per transaction.") var batch: Int = 2000

    func config(root: String) -> DropFolderConfig {
        DropFolderConfig(root: root, archive: archive, quarantine: quarantine, settle: settle, batchFiles: batch)
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest Circular 10/2021 files from a drop folder, without the HTTP server.",
        discussion: "Files are moved to DIR-archive when stored, or to DIR-quarantine with a .error file naming the line and the reason.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "The drop folder.") var dir: String
    @OptionGroup var placement: DropPlacement
    @Flag(help: "Process what is ready once and exit.") var once = false
    @OptionGroup var limitOptions: LimitOptions

    func run() async throws {
        let limits = try limitOptions.resolve()
        let db = try await store.open(limits: limits)
        var logger = Logger(label: "xanh.watch")
        logger.logLevel = .info
        let folder = DropFolder(store: db, catalogue: db.reference.parameters, config: placement.config(root: dir), limits: limits, logger: logger)
        if once {
            let r = try await folder.scanOnce()
            print(
                "\(r.ingested) files ingested (\(r.rows) rows), \(r.duplicates) already ingested, \(r.quarantined) quarantined, \(r.pending) still being written"
            )
            return
        }
        await folder.run()
    }
}
