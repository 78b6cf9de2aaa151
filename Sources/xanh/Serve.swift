import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import XanhCore
import XanhSQLite
import XanhServer
import XanhStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (API, public pages, derivation).")

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on (env XANH_HOST).") var host: String?
    @Option(help: "Port (env XANH_PORT; default 8080).") var port: Int?
    @Flag(help: "Fill an empty database with demo stations and 30 days of data up to now.") var demo = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let (sqlite, reference) = try store.open()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let services = AppServices(store: sqlite, reference: reference, metrics: registry)
        var logger = Logger(label: "xanh")
        logger.logLevel = .info
        if demo {
            let added = try await DemoLoader.load(into: sqlite, services: services)
            logger.info(added == 0 ? "demo: database already holds data; nothing added" : "demo: added \(added) observations")
        }
        let config = ServerConfig(
            host: host ?? env["XANH_HOST"] ?? "127.0.0.1", port: port ?? env["XANH_PORT"].flatMap(Int.init) ?? 8080)
        let app = try await buildApplication(services, config: config, logger: logger)
        try await app.runService()
    }
}

enum DemoLoader {
    /// Loads the demo network if the database has no station and no observation. Returns rows added.
    static func load(into store: SQLiteStore, services: AppServices) async throws -> Int {
        let observations = try await store.observationCount()
        let stations = try await store.stations(after: nil, limit: 1, kind: nil, province: nil)
        guard observations == 0, stations.isEmpty else { return 0 }
        let facility = try await store.createFacility(DemoNetwork.facility)
        for s in DemoNetwork.stations(facilityID: facility.id) { _ = try await store.createStation(s) }
        let directory = try await store.seriesDirectory()
        let catalogue = services.reference.parameters
        var chunks: [[ValidObservation]] = []
        DemoNetwork.generate(end: services.clock()) { rows in
            chunks.append(
                rows.map { r in
                    let p = catalogue.lookup(r.parameter)!
                    return ValidObservation(
                        seriesID: directory.stations[r.station]!.series[p.code]!, t: r.t, value: r.value, status: r.status,
                        qc: QualityControl.flag(value: r.value, status: r.status, parameter: p))
                })
        }
        var total = 0
        for c in chunks { total += try await store.ingest(c).accepted }
        try await services.deriver.drain()
        return total
    }
}
