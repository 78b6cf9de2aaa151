import ArgumentParser
import Foundation
import Hummingbird
import XanhCore
import XanhHTTP
import XanhPostgres
import XanhSQLStore
import XanhServices
import XanhStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `xanh bench --postgres URL`: on PostgreSQL, HTTP ingest against `COPY` of the same rows, and the live-map feed
/// (`GET /api/v1/aqi/latest`, 2,000 stations) idle and while a `COPY` bulk load runs at full speed. Each part works in
/// its own schema, dropped at the end.
struct PGBench {
    let url: String
    let rows: Int
    let batch: Int
    let port: Int
    let clients: Int
    let loadRows: Int

    func open(_ name: String, _ reference: ReferenceData) async throws -> SQLStore {
        try await BenchStore.postgres(url, schema: "bench_\(name)_\(UInt32.random(in: 0...UInt32.max))", reference: reference)
    }

    func run() async throws {
        let reference = try ReferenceData.bundled()
        let now = Int64(Date().timeIntervalSince1970)
        let rowsIn = Bench.inputs(rows: rows, now: now)
        print("machine: \(Machine.describe())")
        print("engine: PostgreSQL at \(try PGLocation(url: url)); rows: \(rowsIn.count), batch: \(batch), concurrent clients: \(clients)")

        // 1. Baseline: COPY of the same rows, already validated.
        let raw = try await open("raw", reference)
        for i in 0..<Bench.stationCount { _ = try await raw.createStation(Bench.station(i)) }
        let validator = ObservationValidator(catalogue: reference.parameters, directory: try await raw.seriesDirectory(), now: now)
        let valid = rowsIn.map { try! validator.validate($0).get() }
        try await raw.preparePartitions(for: valid.map(\.t))
        let copySeconds = try await Clocked.seconds { try await raw.rawInsertBaseline(valid) }
        let copyRate = Double(valid.count) / copySeconds

        // 2. HTTP: the same rows as JSON bodies, posted by `clients` concurrent clients to a live server on PostgreSQL.
        let http = try await open("http", reference)
        for i in 0..<Bench.stationCount { _ = try await http.createStation(Bench.station(i)) }
        try await http.preparePartitions(for: valid.map(\.t))
        let key = APIKeys.generate()
        try await http.createAPIKey(name: "bench", hash: APIKeys.hash(key), role: "editor")
        let services = http.services
        let bodies = Bench.bodies(rowsIn, batch: batch)
        let (server, base) = try await Bench.startServer(http, services: services, port: port)
        defer { server.cancel() }
        let session = URLSession(configuration: .ephemeral)
        var accepted = 0
        let httpSeconds = try await Clocked.seconds {
            accepted = try await withThrowingTaskGroup(of: Int.self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var n = 0
                        for i in stride(from: c, to: bodies.count, by: clients) {
                            n += try await Bench.post(bodies[i], base: base, key: key, session: session)
                        }
                        return n
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        guard accepted == rowsIn.count else { throw ValidationError("accepted \(accepted) of \(rowsIn.count)") }
        let httpRate = Double(accepted) / httpSeconds

        // 3. The live-map feed for 2,000 stations, idle and under a bulk load.
        try await http.benchLatestStations(count: 2000, t: Timestamps.hourEnd(now) - 3600)
        let latestURL = URL(string: "\(base)/api/v1/aqi/latest")!
        func sample(_ n: Int, while running: (@Sendable () -> Bool)? = nil) async throws -> [Double] {
            var out: [Double] = []
            var items = 0
            for i in 0... {
                if let running { if !running() { break } } else if i == n { break }
                var data = Data()
                out.append(try await Clocked.seconds { (data, _) = try await session.data(from: latestURL) } * 1000)
                items = ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [Any])?.count ?? 0
            }
            guard items == 2000 else { throw ValidationError("the feed answered \(items) stations, not 2000") }
            return out.sorted()
        }
        let idle = try await sample(500)
        // The load: `loadRows` more rows for the ingest stations, a year earlier, by COPY on its own connection.
        let load = (0..<loadRows).map { i in
            ValidObservation(
                seriesID: valid[i % 60].seriesID, t: now - 400 * 86400 + Int64(i / 60) * 60, value: Double(i % 90), status: .measuring, qc: .ok)
        }
        try await http.preparePartitions(for: load.map(\.t))
        let done = Locked(false)
        let loadStart = ContinuousClock.now
        let loader = Task {
            defer { done.set(true) }
            try await http.rawInsertBaseline(load)
        }
        let busy = try await sample(0, while: { !done.get() })
        try await loader.value
        let loadSeconds = (ContinuousClock.now - loadStart) / .seconds(1)
        func pct(_ a: [Double], _ p: Double) -> String { String(format: "%.1f", a[min(a.count - 1, Int(Double(a.count) * p))]) }

        Table.print([
            ("COPY into observations (baseline)", "\(Int(copyRate)) rows/s (\(String(format: "%.3f", copySeconds)) s)"),
            ("POST /api/v1/observations, \(clients) clients", "\(Int(httpRate)) rows/s (\(String(format: "%.3f", httpSeconds)) s)"),
            ("HTTP ingest / COPY", String(format: "%.2f", httpRate / copyRate)),
            ("GET /api/v1/aqi/latest (2,000 stations), idle", "p50 \(pct(idle, 0.5)) ms, p99 \(pct(idle, 0.99)) ms over \(idle.count)"),
            (
                "GET /api/v1/aqi/latest during a COPY of \(loadRows) rows",
                "p50 \(pct(busy, 0.5)) ms, p99 \(pct(busy, 0.99)) ms, max \(pct(busy, 1)) ms over \(busy.count)"
            ),
            ("the COPY load while reading", "\(Int(Double(loadRows) / loadSeconds)) rows/s (\(String(format: "%.1f", loadSeconds)) s)"),
        ])
        try await raw.dropBenchSchema()
        try await http.dropBenchSchema()
    }
}

/// `xanh bench --growth`: the same reads over 10^6 and 10^8 stored observations, on SQLite and (with `--postgres`)
/// PostgreSQL. Series are whole years of 5-minute data (105,120 rows) with their hourly means, so the store sizes are
/// reached by adding series, as a network grows by stations.
struct GrowthBench {
    let postgres: String?
    let sizes: [Int]
    let queries: Int
    let directory: String?

    func run() async throws {
        let reference = try ReferenceData.bundled()
        print("machine: \(Machine.describe())")
        let steps = 365 * 288
        let start = Timestamps.parseDate("2025-01-01")!
        var results: [(String, String)] = []
        var engines = ["sqlite"]
        if postgres != nil { engines.append("postgresql") }
        for engine in engines {
            var base: (year: Double, day: Double)?
            for size in sizes {
                let seriesCount = max(1, Int((Double(size) / Double(steps)).rounded(.up)))
                let dir = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
                let path = dir.appendingPathComponent("xanh-growth-\(UUID().uuidString).sqlite").path
                let store = try await BenchStore.open(
                    engine == "sqlite" ? nil : postgres, sqlite: path, schema: "bench_growth_\(size)", reference: reference)
                for i in 0..<seriesCount {
                    _ = try await store.createStation(
                        Station(
                            code: "G-\(i)", name: "Growth \(i)", kind: .ambientAir, province: "01", parameters: [StationParameter(parameter: "PM2.5")]
                        ))
                }
                let directory = try await store.seriesDirectory()
                let ids = (0..<seriesCount).map { directory.stations["G-\($0)"]!.series["PM2.5"]! }
                let fillSeconds = try await Clocked.seconds {
                    try await store.benchFill(series: ids.map { (id: $0, station: 0, aqi: false) }, start: start, steps: steps, interval: 300)
                }
                let stored = try await store.observationCount()
                // The middle station: its year of hourly means, and one day of raw values.
                let code = "G-\(seriesCount / 2)"
                var year: [Double] = []
                var day: [Double] = []
                var hours = 0
                var raws = 0
                for q in 0..<queries {
                    year.append(
                        try await Clocked.seconds {
                            hours = try await store.hourlySeries(station: code, parameter: "PM2.5", from: start, to: start + 365 * 86400).count
                        } * 1000)
                    let d0 = start + Int64(q % 300) * 86400
                    day.append(
                        try await Clocked.seconds {
                            raws = try await store.rawSeries(station: code, parameter: "PM2.5", from: d0 + 1, to: d0 + 86400, limit: 1000).count
                        } * 1000)
                }
                year.sort()
                day.sort()
                let y = year[year.count / 2], d = day[day.count / 2]
                if base == nil { base = (y, d) }
                results.append(
                    (
                        "\(engine), \(stored) observations (\(seriesCount) series, filled in \(String(format: "%.0f", fillSeconds)) s)",
                        "station-year hourly (\(hours) rows): median \(String(format: "%.2f", y)) ms (×\(String(format: "%.2f", y / base!.year))); "
                            + "station-day raw (\(raws) rows): median \(String(format: "%.2f", d)) ms (×\(String(format: "%.2f", d / base!.day)))"
                    ))
                print(results.last!.0, "→", results.last!.1)
                try await store.dropBenchSchema()
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: path + "-wal")
                try? FileManager.default.removeItem(atPath: path + "-shm")
            }
        }
        Table.print(results)
    }
}
