import Foundation
import XanhCore
import XanhSQLStore
import XanhServices
import XanhStore

/// `xanh-bench --shapes`: the same rows (stations × 6 pollutants × hours of 5-minute data) stored and derived in the two
/// shapes data arrive in, on SQLite and, with `--postgres`, PostgreSQL:
/// - **backfill**: batches of `batch` rows, series after series, derived once at the end;
/// - **real time**: one batch per 5-minute step holding every series, derived after every batch as the live
///   deriver does (each pass sees every series touched at one time step).
/// The figure is rows per second of ingest plus derivation, real time against backfill in the same run.
struct ShapeBench {
    let stations: Int
    let hours: Int
    let batch: Int
    var postgres: String? = nil
    static let parameters = ["PM2.5", "PM10", "NO2", "SO2", "CO", "O3"]

    func run() async throws {
        print("machine: \(Machine.describe())")
        let reference = try ReferenceData.bundled()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-shapes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var table: [(String, String)] = []
        for engine in ["SQLite"] + (postgres == nil ? [] : ["PostgreSQL"]) {
            var rates: [String: Double] = [:]
            for shape in ["backfill", "real time"] {
                let store = try await BenchStore.open(
                    engine == "SQLite" ? nil : postgres, sqlite: dir.appendingPathComponent("\(shape).sqlite").path, schema: "shapes",
                    reference: reference)
                let (rows, ingest, derive) = try await measure(store, realtime: shape == "real time")
                try await store.dropBenchSchema()
                let rate = Double(rows) / (ingest + derive)
                rates[shape] = rate
                table.append(
                    (
                        "\(engine), \(shape): \(rows) rows",
                        "ingest \(String(format: "%.2f", ingest)) s, derivation \(String(format: "%.2f", derive)) s, \(Int(rate)) rows/s end to end"
                    ))
                FileHandle.standardOutput.write(Data("\(table[table.count - 1].0): \(table[table.count - 1].1)\n".utf8))
            }
            table.append(
                ("\(engine): real time / backfill (goal ≥ 0.5)", String(format: "%.2f", (rates["real time"] ?? 0) / (rates["backfill"] ?? 1))))
        }
        Table.print(table)
    }

    /// Stores the rows in one shape and derives them; answers the rows, ingest seconds and derivation seconds.
    func measure(_ store: SQLStore, realtime: Bool) async throws -> (Int, Double, Double) {
        for i in 0..<stations {
            _ = try await store.createStation(
                Station(
                    code: "R-\(i)", name: "Station \(i)", kind: .ambientAir, province: "01", latitude: 21, longitude: 105.8,
                    parameters: Self.parameters.map { StationParameter(parameter: $0) }))
        }
        let directory = try await store.seriesDirectory()
        let series = (0..<stations).flatMap { i in Self.parameters.compactMap { directory.stations["R-\(i)"]?.series[$0] } }
        let steps = hours * 12
        let now = Int64(Date().timeIntervalSince1970) / 3600 * 3600
        let start = now - Int64(steps) * 300
        func row(_ s: Int64, _ k: Int) -> ValidObservation {
            ValidObservation(seriesID: s, t: start + Int64(k + 1) * 300, value: 20 + Double((Int(s) * 7 + k) % 60), status: .measuring, qc: .ok)
        }
        try await store.preparePartitions(for: [start, now])
        let deriver = store.services.deriver
        var ingest = 0.0
        var derive = 0.0
        if realtime {
            for k in 0..<steps {
                let rows = series.map { row($0, k) }
                ingest += try await Clocked.seconds { _ = try await store.ingest(rows) }
                derive += try await Clocked.seconds { try await deriver.drain() }
            }
        } else {
            var rows: [ValidObservation] = []
            rows.reserveCapacity(batch)
            for s in series {
                for k in 0..<steps {
                    rows.append(row(s, k))
                    if rows.count == batch {
                        let full = rows
                        ingest += try await Clocked.seconds { _ = try await store.ingest(full) }
                        rows.removeAll(keepingCapacity: true)
                    }
                }
            }
            let rest = rows
            if !rest.isEmpty { ingest += try await Clocked.seconds { _ = try await store.ingest(rest) } }
            derive += try await Clocked.seconds { try await deriver.drain() }
        }
        return (series.count * steps, ingest, derive)
    }
}
