import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import XanhCore
import XanhSQLStore
import XanhServices
import XanhStore

/// `xanh bench --sta`: the live-map query and a windowed filter through `/sta/v1.1`, on a store of
/// stations × 8 parameters × days of 5-minute data, against the same reads in plain SQL measured in the same run.
/// With `--postgres URL` the same store is then copied to PostgreSQL (`migrate-data`) and measured there too.
struct STABench {
    let stations: Int
    let days: Int
    let port: Int
    var postgres: String? = nil
    static let parameters = ["PM2.5", "PM10", "NO2", "SO2", "CO", "O3", "Temp", "RH"]

    func run() async throws {
        let reference = try ReferenceData.bundled()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-stabench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        print("machine: \(Machine.describe())")
        let store = try await BenchStore.sqlite(dir.appendingPathComponent("sta.sqlite").path, reference: reference)
        for i in 0..<stations {
            _ = try await store.createStation(
                Station(
                    code: "S-\(i)", name: "Station \(i)", kind: .ambientAir, province: "01", latitude: 20 + Double(i % 100) * 0.01,
                    longitude: 105 + Double(i / 100) * 0.01, parameters: Self.parameters.map { StationParameter(parameter: $0) }))
        }
        let directory = try await store.seriesDirectory()
        var series: [(id: Int64, station: Int64, aqi: Bool)] = []
        for i in 0..<stations {
            let entry = directory.stations["S-\(i)"]!
            for p in Self.parameters { series.append((entry.series[p]!, Int64(i + 1), p == "PM2.5")) }
        }
        let now = Int64(Date().timeIntervalSince1970) / 300 * 300
        let steps = days * 288
        let start = now - Int64(steps) * 300
        let fillSeconds = try await Clocked.seconds { try await store.benchFill(series: series, start: start, steps: steps, interval: 300) }
        let total = series.count * steps
        print(
            "store: \(stations) stations × \(Self.parameters.count) parameters × \(days) days = \(total) observations, filled in \(String(format: "%.0f", fillSeconds)) s"
        )

        let target = series[series.count / 2].id
        let from = start + Int64(steps / 2) * 300
        let to = min(now, from + Timestamps.day)
        var rows = try await measure(
            store, reference: reference, engine: "SQLite", series: series.map(\.id), target: target, from: from, to: to,
            latest: { ids in _ = try await store.benchLatest(series: ids) },
            window: { try await store.benchWindow(series: target, from: from, to: to, above: 50, limit: 100) })
        rows.insert(("observations stored", "\(total)"), at: 0)
        if let postgres {
            let pg = try await BenchStore.postgres(postgres, schema: "stabench_\(UInt32.random(in: 0...UInt32.max))", reference: reference)
            let copySeconds = try await Clocked.seconds { _ = try await DataMigrator(source: store, target: pg).run() }
            print("copied to PostgreSQL with migrate-data in \(String(format: "%.0f", copySeconds)) s")
            rows += try await measure(
                pg, reference: reference, engine: "PostgreSQL", series: series.map(\.id), target: target, from: from, to: to,
                latest: { ids in _ = try await pg.benchLatest(series: ids) },
                window: { try await pg.benchWindow(series: target, from: from, to: to, above: 50, limit: 100) })
            try await pg.dropBenchSchema()
        }
        Table.print(rows)
    }

    /// Follows `@iot.nextLink` from `first` to the last page, handing each page's entities to `page`; answers each
    /// page's milliseconds.
    static func follow(_ first: String, _ session: URLSession, page: ([[String: Any]]) -> Void) async throws -> [Double] {
        var next: String? = first
        var millis: [Double] = []
        while let link = next, let url = URL(string: link) {
            var data = Data()
            millis.append(try await Clocked.seconds { (data, _) = try await session.data(from: url) } * 1000)
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            page(json["value"] as? [[String: Any]] ?? [])
            next = json["@iot.nextLink"] as? String
        }
        return millis
    }

    /// The map and the filter through HTTP on one engine, and their plain-SQL baselines on the same engine.
    func measure(
        _ store: SQLStore, reference: ReferenceData, engine: String, series: [Int64], target: Int64, from: Int64, to: Int64,
        latest: ([Int64]) async throws -> Void, window: () async throws -> Int
    ) async throws -> [(String, String)] {
        let (server, base) = try await Bench.startServer(store, services: store.services, port: port)
        defer { server.cancel() }
        let session = URLSession(configuration: .ephemeral)

        // 1. The live map: every Datastream with its latest Observation, all pages.
        var datastreams = 0
        var withValue = 0
        let pageMillis = try await Self.follow("\(base)/sta/v1.1/Datastreams?$expand=Observations($top=1;$orderby=phenomenonTime%20desc)", session) {
            items in
            datastreams += items.count
            withValue += items.filter { ($0["Observations"] as? [Any])?.isEmpty == false }.count
        }
        // Baseline: the latest raw value of every series, one indexed lookup each, pages of 100.
        var baselinePages: [Double] = []
        for chunk in stride(from: 0, to: series.count, by: 100) {
            let ids = Array(series[chunk..<min(chunk + 100, series.count)])
            let seconds = try await Clocked.seconds { try await latest(ids) }
            baselinePages.append(seconds * 1000)
        }

        // 2. A window and a threshold on one Datastream, 50 times.
        let filter =
            "phenomenonTime ge \(Timestamps.format(from, offset: 0)) and phenomenonTime lt \(Timestamps.format(to, offset: 0)) and result gt 50"
        let filterURL = URL(
            string:
                "\(base)/sta/v1.1/Datastreams(\(target))/Observations?$top=100&$filter=\(filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        )!
        var filterMillis: [Double] = []
        var filterItems = 0
        for _ in 0..<50 {
            var data = Data()
            let seconds = try await Clocked.seconds { (data, _) = try await session.data(from: filterURL) }
            filterMillis.append(seconds * 1000)
            filterItems = ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["value"] as? [Any])?.count ?? 0
        }
        var windowMillis: [Double] = []
        var windowItems = 0
        for _ in 0..<50 {
            let seconds = try await Clocked.seconds { windowItems = try await window() }
            windowMillis.append(seconds * 1000)
        }
        guard windowItems == filterItems else { throw ValidationError("the filter returned \(filterItems) rows, plain SQL \(windowItems)") }

        // 3. Deep paging: every Observation, $top=1000, following @iot.nextLink ($skiptoken) to the end.
        var deepItems = 0
        let deepMillis = try await Self.follow("\(base)/sta/v1.1/Observations?$top=1000", session) { deepItems += $0.count }
        // The same last page asked with $skip (as every next link was before $skiptoken), 3 times.
        var skipMillis: [Double] = []
        for _ in 0..<3 {
            let url = URL(string: "\(base)/sta/v1.1/Observations?$top=1000&$skip=\(max(0, deepItems - 1000))")!
            skipMillis.append(try await Clocked.seconds { _ = try await session.data(from: url) } * 1000)
        }

        func stats(_ ms: [Double]) -> (median: Double, p95: Double, max: Double) {
            let s = ms.sorted()
            return (s[s.count / 2], s[min(s.count - 1, Int(Double(s.count) * 0.95))], s.last ?? 0)
        }
        let map = stats(pageMillis)
        let mapBase = stats(baselinePages)
        let f = stats(filterMillis)
        let w = stats(windowMillis)
        func ms(_ v: Double) -> String { String(format: "%.1f", v) }
        return [
            (
                "\(engine): map, Datastreams with latest Observation, pages of 100",
                "\(pageMillis.count) pages, \(datastreams) Datastreams (\(withValue) with a value)"
            ),
            ("\(engine): map page through /sta/v1.1 (HTTP)", "median \(ms(map.median)) ms, p95 \(ms(map.p95)) ms, max \(ms(map.max)) ms"),
            ("\(engine): baseline, 100 latest-value lookups in SQL", "median \(ms(mapBase.median)) ms, p95 \(ms(mapBase.p95)) ms"),
            ("\(engine): map, all pages", "\(String(format: "%.2f", pageMillis.reduce(0, +) / 1000)) s"),
            ("\(engine): filter on phenomenonTime and result, 1 Datastream (\(filterItems) items)", "median \(ms(f.median)) ms, p95 \(ms(f.p95)) ms"),
            ("\(engine): baseline, the same window in SQL", "median \(ms(w.median)) ms, p95 \(ms(w.p95)) ms"),
            (
                "\(engine): every Observation, $top=1000 pages",
                "\(deepMillis.count) pages, \(deepItems) Observations, \(String(format: "%.1f", deepMillis.reduce(0, +) / 1000)) s"
            ),
            (
                "\(engine): first and last page (last ≤ 2 × first)",
                "first \(ms(deepMillis.first ?? 0)) ms, last \(ms(deepMillis.last ?? 0)) ms, median \(ms(stats(deepMillis).median)) ms, p95 \(ms(stats(deepMillis).p95)) ms"
            ),
            ("\(engine): the last page asked with $skip instead", "median \(ms(stats(skipMillis).median)) ms"),
        ]
    }
}
