import ArgumentParser
import Foundation
import Hummingbird
import Prometheus
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhSensorThings
import XanhServices
import XanhStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `xanh-bench`: ingest through HTTP against raw GRDB inserts of the same rows, derivation, and the year-long
/// hourly series query. Run it in release mode: `swift run -c release xanh-bench`.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xanh-bench", abstract: "Measure ingest and query performance against a raw-insert baseline.")

    @Option(help: "Rows to ingest.") var rows = 400_000
    @Option(help: "Rows per HTTP request.") var batch = 100_000
    @Option(help: "Repetitions of the series query.") var queries = 50
    @Option(help: "Port for the benchmark server on 127.0.0.1.") var port = 18_181
    @Flag(
        help:
            "Benchmark the Circular 10 drop folder instead: a backlog of --stations × --files-per-station files (with --postgres: on PostgreSQL, against COPY)."
    ) var files = false
    @Option(help: "Stations in the file backlog.") var stations = 2000
    @Option(help: "Files per station in the file backlog.") var filesPerStation = 50
    @Flag(
        help:
            "Benchmark the SensorThings API instead, on --stations × 8 parameters × --days of 5-minute data (with --postgres: then on a copy in PostgreSQL)."
    ) var sta = false
    @Option(help: "Days of data for --sta.") var days = 30
    @Flag(help: "Benchmark indicators instead: aggregation and the composite index on 3,321 communes × 72 indicators × --years.") var indicators =
        false
    @Option(help: "Years of indicator data.") var years = 10
    @Option(help: "Monte Carlo runs of the index sensitivity analysis.") var runs = 1000
    @Option(help: "Benchmark PostgreSQL at this URL instead: HTTP ingest against COPY, and the live-map feed under a bulk load.")
    var postgres: String?
    @Option(help: "Concurrent HTTP clients for --postgres.") var clients = 2
    @Option(help: "Rows of the bulk load during reads, for --postgres.") var loadRows = 3_000_000
    @Flag(help: "Benchmark reads as the store grows (--sizes), on SQLite and, with --postgres, PostgreSQL.") var growth = false
    @Option(help: "Store sizes for --growth, comma-separated.") var sizes = "1000000,100000000"
    @Option(help: "Directory for --growth's SQLite files (default: the temporary directory).") var dir: String?
    @Flag(help: "Benchmark the audit chain's cost to real-time ingest (--audit-batches of 6 observations; with --postgres, also there).")
    var audit = false
    @Option(help: "Batches for --audit.") var auditBatches = 3000

    @Flag(
        help:
            "Benchmark ingest plus derivation in the backfill and the real-time shape instead: --stations × 6 pollutants × --hours of 5-minute data, backfill in batches of --batch (with --postgres: also there)."
    ) var shapes = false
    @Option(help: "Hours of data for --shapes.") var hours = 24

    func run() async throws {
        if shapes {
            try await ShapeBench(stations: stations, hours: hours, batch: batch, postgres: postgres).run()
            return
        }
        if audit {
            try await AuditBench(batches: auditBatches, port: port, postgres: postgres).run()
            return
        }
        if growth {
            try await GrowthBench(postgres: postgres, sizes: sizes.split(separator: ",").compactMap { Int($0) }, queries: queries, directory: dir)
                .run()
            return
        }
        if files {
            try await FileBench(stations: stations, filesPerStation: filesPerStation, postgres: postgres).run()
            return
        }
        if sta {
            try await STABench(stations: stations, days: days, port: port, postgres: postgres).run()
            return
        }
        if let postgres {
            try await PGBench(url: postgres, rows: rows, batch: batch, port: port, clients: clients, loadRows: loadRows).run()
            return
        }
        if indicators {
            try await IndicatorBench(years: years, runs: runs).run()
            return
        }
        let reference = try ReferenceData.bundled()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = Int64(Date().timeIntervalSince1970)
        let parameters = Self.parameters
        let stationCount = Self.stationCount
        let station = Self.station
        let rowsIn = Self.inputs(rows: rows, now: now)
        print("machine: \(Machine.describe())")
        print("rows: \(rowsIn.count), batch: \(batch)")

        // 1. Baseline: raw inserts of the same rows, already validated, through GRDB.
        let raw = try await BenchStore.sqlite(dir.appendingPathComponent("raw.sqlite").path, reference: reference)
        for i in 0..<stationCount { _ = try await raw.createStation(station(i)) }
        let validator = ObservationValidator(catalogue: reference.parameters, directory: try await raw.seriesDirectory(), now: now)
        let valid = rowsIn.map { try! validator.validate($0).get() }
        let rawSeconds = try await Clocked.seconds { try await raw.rawInsertBaseline(valid) }
        let rawRate = Double(valid.count) / rawSeconds

        // 2. HTTP: JSON bodies encoded beforehand, posted one after another to a live server.
        let http = try await BenchStore.sqlite(dir.appendingPathComponent("http.sqlite").path, reference: reference)
        for i in 0..<stationCount { _ = try await http.createStation(station(i)) }
        let key = APIKeys.generate()
        try await http.createAPIKey(name: "bench", hash: APIKeys.hash(key), role: "editor")
        // A year of 5-minute PM2.5 for the query benchmark.
        _ = try await http.createStation(
            Station(code: "B-YEAR", name: "Year", kind: .ambientAir, province: "01", parameters: [StationParameter(parameter: "PM2.5")]))
        let yearDirectory = try await http.seriesDirectory()
        let yearSeries = yearDirectory.stations["B-YEAR"]!.series["PM2.5"]!
        let yearStart = Timestamps.localMidnight(now) - 365 * Timestamps.day
        let year = (1...(365 * 288)).map { i in
            ValidObservation(seriesID: yearSeries, t: yearStart + Int64(i) * 300, value: 20 + Double(i % 50), status: .measuring, qc: .ok)
        }
        _ = try await http.ingest(year)
        let services = http.services
        let deriveYearSeconds = try await Clocked.seconds { try await services.deriver.drain() }

        let bodies = Self.bodies(rowsIn, batch: batch)
        let (server, base) = try await Bench.startServer(http, services: services, port: port)
        defer { server.cancel() }
        let session = URLSession(configuration: .ephemeral)
        var accepted = 0
        let httpSeconds = try await Clocked.seconds {
            for body in bodies { accepted += try await Self.post(body, base: base, key: key, session: session) }
        }
        guard accepted == rowsIn.count else { throw ValidationError("accepted \(accepted) of \(rowsIn.count)") }
        let httpRate = Double(accepted) / httpSeconds
        let deriveSeconds = try await Clocked.seconds { try await services.deriver.drain() }

        // 3. The year of hourly means for one series, through HTTP.
        let url = URL(
            string:
                "\(base)/api/v1/stations/B-YEAR/series?parameter=PM2.5&resolution=hour&from=\(Timestamps.localDate(yearStart))&to=\(Timestamps.localDate(now + Timestamps.day))"
        )!
        var latencies: [Double] = []
        var items = 0
        for _ in 0..<queries {
            var data = Data()
            let s = try await Clocked.seconds { (data, _) = try await session.data(from: url) }
            latencies.append(s * 1000)
            items = ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [Any])?.count ?? 0
        }
        latencies.sort()
        let median = latencies[latencies.count / 2]
        let p95 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.95))]

        Table.print([
            ("raw GRDB inserts (baseline)", "\(Int(rawRate)) rows/s (\(String(format: "%.3f", rawSeconds)) s)"),
            ("POST /api/v1/observations", "\(Int(httpRate)) rows/s (\(String(format: "%.3f", httpSeconds)) s)"),
            ("HTTP ingest / raw inserts", String(format: "%.2f", httpRate / rawRate)),
            ("derivation of the ingested rows", "\(Int(Double(accepted) / deriveSeconds)) rows/s (\(String(format: "%.3f", deriveSeconds)) s)"),
            ("derivation of a year of 5-min data (1 series)", "\(String(format: "%.3f", deriveYearSeconds)) s"),
            (
                "series query, 1 year at hour resolution (\(items) items)",
                "median \(String(format: "%.1f", median)) ms, p95 \(String(format: "%.1f", p95)) ms over \(queries)"
            ),
        ])
    }

    static let parameters = ["PM2.5", "PM10", "NO2", "SO2", "CO", "O3"]
    static let stationCount = 10
    static func station(_ i: Int) -> Station {
        Station(code: "B-\(i)", name: "Bench \(i)", kind: .ambientAir, province: "01", parameters: parameters.map { StationParameter(parameter: $0) })
    }

    /// Rows: stations × parameters × 5-minute steps back from now.
    static func inputs(rows: Int, now: Int64) -> [ObservationInput] {
        let perSeries = rows / (stationCount * parameters.count) + 1
        let start = now - Int64(perSeries) * 300 - 300
        var out: [ObservationInput] = []
        out.reserveCapacity(rows)
        var k = 0
        outer: for step in 0..<perSeries {
            let time = Timestamps.format(start + Int64(step) * 300)
            for s in 0..<stationCount {
                for p in parameters {
                    out.append(ObservationInput(station: "B-\(s)", parameter: p, time: time, value: Double(10 + (k % 70)), status: "00"))
                    k += 1
                    if k == rows { break outer }
                }
            }
        }
        return out
    }

    /// JSON bodies of `batch` rows each, encoded before the clock starts.
    static func bodies(_ rows: [ObservationInput], batch: Int) -> [Data] {
        stride(from: 0, to: rows.count, by: batch).map { i in
            let slice = rows[i..<min(i + batch, rows.count)]
            var text = "{\"observations\":["
            text += slice.map { r in
                "{\"station\":\"\(r.station!)\",\"parameter\":\"\(r.parameter!)\",\"time\":\"\(r.time!)\",\"value\":\(r.value!),\"status\":\"00\"}"
            }.joined(separator: ",")
            text += "]}"
            return Data(text.utf8)
        }
    }

    /// Posts one body to `/api/v1/observations`; returns the rows accepted.
    static func post(_ body: Data, base: String, key: String, session: URLSession) async throws -> Int {
        var request = URLRequest(url: URL(string: "\(base)/api/v1/observations")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 600
        let (data, response) = try await session.upload(for: request, from: body)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ValidationError("ingest failed: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        let answer = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return answer["accepted"] as! Int
    }

    /// A live server on 127.0.0.1 (derivation paused), ready when this returns; cancel the task to stop it.
    static func startServer(_ store: SQLStore, services: AppServices, port: Int) async throws -> (Task<Void, any Error>, String) {
        let sta = STAService(store: store, catalogue: services.reference.parameters, limits: services.limits, clock: services.clock)
        let app = try await buildApplication(
            services, sensorThings: sta, metrics: PrometheusCollectorRegistry(),
            config: ServerConfig(host: "127.0.0.1", port: port, deriveInterval: 3600))
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        let base = "http://127.0.0.1:\(port)"
        do {
            try await waitForServer(base)
        } catch {
            server.cancel()
            throw error
        }
        return (server, base)
    }

    static func waitForServer(_ base: String) async throws {
        for _ in 0..<100 {
            if let (_, r) = try? await URLSession.shared.data(from: URL(string: "\(base)/health")!), (r as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("benchmark server did not start on \(base)")
    }
}

/// The Markdown table every benchmark prints.
enum Table {
    static func print(_ rows: [(String, String)]) {
        Swift.print("\n| measure | value |\n|---|---|")
        for (k, v) in rows { Swift.print("| \(k) | \(v) |") }
    }
}

enum Clocked {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let c = ContinuousClock()
        let d = try c.measure { try body() }
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let c = ContinuousClock()
        let start = c.now
        try await body()
        let d = c.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

enum Machine {
    static func describe() -> String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let mem = ProcessInfo.processInfo.physicalMemory / (1 << 30)
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(mem) GiB"
    }
}

/// A backlog of Circular 10 files (8 parameters each) in a drop folder, ingested by one scan, against raw GRDB inserts
/// of the same rows measured in the same run.
struct FileBench {
    let stations: Int
    let filesPerStation: Int
    /// PostgreSQL instead of SQLite (baseline: COPY).
    var postgres: String? = nil
    static let parameters = ["PM2.5", "PM10", "NO2", "SO2", "CO", "O3", "Temp", "RH"]

    func run() async throws {
        let reference = try ReferenceData.bundled()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-filebench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = Int64(Date().timeIntervalSince1970)
        let first = Timestamps.localMidnight(now) - Timestamps.day
        print("machine: \(Machine.describe())")
        print("backlog: \(stations) stations × \(filesPerStation) files × \(Self.parameters.count) parameters")

        func open(_ name: String) async throws -> SQLStore {
            try await BenchStore.open(
                postgres, sqlite: dir.appendingPathComponent("\(name).sqlite").path, schema: "bench_files_\(name)", reference: reference)
        }
        func register(_ store: SQLStore) async throws {
            for s in 0..<stations {
                _ = try await store.createStation(
                    Station(
                        code: "ST\(s)", name: "Station \(s)", kind: .ambientAir, province: "01",
                        parameters: Self.parameters.map { StationParameter(parameter: $0) }))
            }
        }
        let values = [35.2, 61.0, 40.5, 12.25, 900, 55.5, 27.5, 80]
        // 1. The backlog, written as FTP would (station folder, date sub-folders).
        let drop = dir.appendingPathComponent("drop").path
        var written = 0
        for s in 0..<stations {
            for k in 0..<filesPerStation {
                let t = first + Int64(k) * 300
                let stamp = Timestamps.format(t).prefix(19).filter(\.isNumber)
                let folder = "\(drop)/ST\(s)/\(stamp.prefix(4))/\(stamp.dropFirst(4).prefix(2))/\(stamp.dropFirst(6).prefix(2))"
                if k == 0 || stamp.hasSuffix("000000") { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                var text = ""
                for (i, p) in Self.parameters.enumerated() { text += "\(p)\t\(values[i] + Double((k + s) % 9))\t\t\(stamp)\t00\n" }
                guard FileManager.default.createFile(atPath: "\(folder)/HN_Bench_ST\(s)_\(stamp).txt", contents: Data(text.utf8)) else {
                    throw ValidationError("cannot write the backlog under \(folder)")
                }
                written += 1
            }
        }
        let rowsTotal = written * Self.parameters.count

        // 2. Baseline: raw inserts of the same rows, already validated: GRDB prepared statement, or PostgreSQL COPY.
        let raw = try await open("raw")
        try await register(raw)
        let directory = try await raw.seriesDirectory()
        var rows: [ValidObservation] = []
        rows.reserveCapacity(rowsTotal)
        for s in 0..<stations {
            let series = directory.stations["ST\(s)"]!.series
            for k in 0..<filesPerStation {
                for (i, p) in Self.parameters.enumerated() {
                    rows.append(
                        ValidObservation(
                            seriesID: series[p]!, t: first + Int64(k) * 300, value: values[i] + Double((k + s) % 9), status: .measuring, qc: .ok))
                }
            }
        }
        try await raw.preparePartitions(for: rows.map(\.t))
        let rawSeconds = try await Clocked.seconds { try await raw.rawInsertBaseline(rows) }
        let rawRate = Double(rows.count) / rawSeconds

        // 3. The drop folder: one scan reads, checks, stores and archives the whole backlog.
        let store = try await open("drop")
        try await register(store)
        let folder = DropFolder(store: store, catalogue: reference.parameters, config: DropFolderConfig(root: drop, settle: 0))
        var result = DropScanResult()
        let scanSeconds = try await Clocked.seconds { result = try await folder.scanOnce() }
        guard result.ingested == written, result.rows == rowsTotal, result.quarantined == 0 else {
            throw ValidationError("drop folder ingested \(result.ingested) of \(written) files (\(result.quarantined) quarantined)")
        }
        let stored = try await store.observationCount()
        let fileRate = Double(written) / scanSeconds
        let rowRate = Double(rowsTotal) / scanSeconds
        try await raw.dropBenchSchema()
        try await store.dropBenchSchema()
        Table.print([
            (
                "\(postgres == nil ? "raw GRDB inserts" : "COPY") of the same \(rows.count) rows (baseline)",
                "\(Int(rawRate)) rows/s (\(String(format: "%.3f", rawSeconds)) s)"
            ),
            (
                "drop folder, \(written) files (read, check, store, archive)",
                "\(Int(fileRate)) files/s, \(Int(rowRate)) observations/s (\(String(format: "%.3f", scanSeconds)) s)"
            ),
            ("drop folder / baseline (observations/s)", String(format: "%.2f", rowRate / rawRate)),
            ("observations stored", "\(stored) of \(rowsTotal)"),
        ])
    }
}
