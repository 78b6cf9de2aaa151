import Foundation
import GRDB
import XanhCore
import XanhPostgres
import XanhSQL
import XanhSQLStore
import XanhSQLite
import XanhServices
import XanhStore

/// The stores benchmarks run on, opened as `xanh` opens them, and the baselines they are measured against.
enum BenchStore {
    static func sqlite(_ path: String, reference: ReferenceData) async throws -> SQLStore {
        try await SQLStore.open(try SQLiteDatabase(path: path), reference: reference, rules: .xanh)
    }

    /// A store in a schema of its own, dropped by `dropBenchSchema()`.
    static func postgres(_ url: String, schema: String, reference: ReferenceData) async throws -> SQLStore {
        try await SQLStore.open(try await PostgresDatabase.open(url: PGLocation.url(url, schema: schema)), reference: reference, rules: .xanh)
    }

    static func open(_ postgres: String?, sqlite path: String, schema: String, reference: ReferenceData) async throws -> SQLStore {
        guard let postgres else { return try await sqlite(path, reference: reference) }
        return try await Self.postgres(postgres, schema: schema + "_\(UInt32.random(in: 0...UInt32.max))", reference: reference)
    }
}

extension SQLStore {
    var services: AppServices { AppServices(store: self, reference: reference) }
    var isPostgres: Bool { db is PostgresDatabase }

    /// The baseline ingest is compared with: the rows, already validated, as plain inserts and nothing else — on
    /// SQLite one cached GRDB statement in one transaction, on PostgreSQL `COPY` (the driver's bulk insert).
    func rawInsertBaseline(_ rows: [ValidObservation]) async throws {
        if let sqlite = db as? SQLiteDatabase {
            try await sqlite.pool.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO observations(series_id, t, value, status, qc) VALUES (?,?,?,?,?)")
                for r in rows { try insert.execute(arguments: [r.seriesID, r.t, r.value, r.status.rawValue, r.qc.rawValue]) }
            }
            return
        }
        try await db.write { c in
            try await c.insertRows(
                into: "observations", columns: ["series_id", "t", "value", "status", "qc"],
                rows: rows.map { [.int($0.seriesID), .int($0.t), .double($0.value), .int(Int64($0.status.rawValue)), .int(Int64($0.qc.rawValue))] })
        }
    }

    /// Creates the month partitions the times fall in, outside any clock (PostgreSQL; nothing on SQLite).
    func preparePartitions(for times: [Int64]) async throws {
        try await (db as? PostgresDatabase)?.preparePartitions(for: times)
    }

    /// Drops the benchmark's schema and everything in it (PostgreSQL; a SQLite file is removed by its caller).
    func dropBenchSchema() async throws {
        guard let pg = db as? PostgresDatabase, pg.pgLocation.schema != "public" else { return }
        try await db.write { c in try await c.execute("DROP SCHEMA \"\(raw: pg.pgLocation.schema)\" CASCADE") }
        await close()
    }

    /// `count` ambient-air stations `L-0…` with a PM2.5 series and a latest hourly VN_AQI each, for the live-map read.
    func benchLatestStations(count: Int, t: Int64) async throws {
        let registry = services.registry
        for i in 0..<count {
            _ = try await registry.createStation(
                Station(
                    code: "L-\(i)", name: "Latest \(i)", kind: .ambientAir, province: "01", latitude: 20 + Double(i) / 1000,
                    longitude: 105 + Double(i) / 1000, parameters: [StationParameter(parameter: "PM2.5")]))
        }
        try await db.write { c in
            try await c.execute(
                """
                INSERT INTO aqi_latest(station_id, t, aqi, dominant, subindices)
                SELECT id, \(t), 20 + id % 150, 'PM2.5', 'PM2.5=' || (20 + id % 150) FROM stations WHERE code LIKE 'L-%'
                """)
        }
    }

    /// Fills series with `steps` synthetic values every `interval` seconds from `start`, with their hourly means and
    /// (where `aqi`) an hourly VN_AQI of the station, as the deriver would leave them. PostgreSQL generates the rows
    /// in the server (`generate_series`), SQLite takes them through the driver's bulk insert; one transaction per
    /// 20 series.
    func benchFill(series: [(id: Int64, station: Int64, aqi: Bool)], start: Int64, steps: Int, interval: Int64) async throws {
        try await preparePartitions(for: Array(stride(from: start, through: start + Int64(steps) * interval + 86400, by: 86400)))
        for chunk in stride(from: 0, to: series.count, by: 20) {
            let part = Array(series[chunk..<min(chunk + 20, series.count)])
            if isPostgres {
                let ids = part.map(\.id)
                try await db.write { c in
                    try await c.execute(
                        """
                        INSERT INTO observations(series_id, t, value, status, qc)
                        SELECT s.id, \(start) + (k - 1) * \(interval), 10 + ((s.id * 7919 + (k - 1) * 104729) % 900) / 10.0, 0, 0
                        FROM series s, generate_series(1, \(steps)) k WHERE s.id IN (\(list: ids))
                        """)
                }
            } else {
                for s in part {
                    let rows: [[SQLValue]] = (0..<steps).map { k in
                        [.int(s.id), .int(start + Int64(k) * interval), .double(Self.benchValue(series: s.id, step: k)), .int(0), .int(0)]
                    }
                    try await db.write { c in
                        try await c.insertRows(into: "observations", columns: ["series_id", "t", "value", "status", "qc"], rows: rows)
                    }
                }
            }
            let ids = part.map(\.id)
            let stations = part.filter(\.aqi).map(\.station)
            try await db.write { c in
                let least = c.dialect.isPostgres ? "least" : "min"
                try await c.execute(
                    """
                    INSERT INTO hourly(series_id, t, mean, min, max, count, coverage)
                    SELECT series_id, ((t - 1) / 3600 + 1) * 3600, avg(value), min(value), max(value), count(*), \(raw: least)(100, count(*) * 100.0 / 12)
                    FROM observations WHERE series_id IN (\(list: ids)) GROUP BY 1, 2
                    """)
                // Daily means by local day (UTC+7), labelled by the day's start, from the hourly means (labelled by their end).
                try await c.execute(
                    """
                    INSERT INTO daily(series_id, day, mean, min, max, count, hours, coverage, max_hourly)
                    SELECT series_id, ((t - 1 + 25200) / 86400) * 86400 - 25200, avg(mean), min(min), max(max), sum(count), count(*), count(*) * 100.0 / 24, max(mean)
                    FROM hourly WHERE series_id IN (\(list: ids)) GROUP BY 1, 2
                    """)
                try await c.execute("UPDATE series SET last_t = \(start + Int64(steps - 1) * interval) WHERE id IN (\(list: ids))")
                guard !stations.isEmpty else { return }
                try await c.execute(
                    """
                    INSERT INTO aqi(station_id, scale, resolution, t, aqi, dominant, subindices)
                    SELECT s.station_id, 'vn', 'hour', h.t, CAST(h.mean AS INTEGER), 'PM2.5', 'PM2.5=' || CAST(h.mean AS INTEGER)
                    FROM hourly h JOIN series s ON s.id = h.series_id WHERE s.station_id IN (\(list: stations)) AND s.parameter = 'PM2.5'
                    ON CONFLICT DO NOTHING
                    """)
                try await c.execute(
                    """
                    INSERT INTO aqi(station_id, scale, resolution, t, aqi, dominant, subindices)
                    SELECT s.station_id, 'vn', 'day', d.day, CAST(d.mean AS INTEGER), 'PM2.5', 'PM2.5=' || CAST(d.mean AS INTEGER)
                    FROM daily d JOIN series s ON s.id = d.series_id WHERE s.station_id IN (\(list: stations)) AND s.parameter = 'PM2.5'
                    ON CONFLICT DO NOTHING
                    """)
            }
        }
        // PostgreSQL's autovacuum would analyse the new rows soon; the benchmark does not wait for it.
        guard isPostgres else { return }
        try await db.write { c in
            for t in ["observations", "hourly", "daily", "aqi"] { try await c.execute("ANALYZE \(raw: t)") }
        }
    }

    /// The synthetic value of a series at a step (the same on both engines).
    static func benchValue(series: Int64, step: Int) -> Double { 10 + Double((Int(series) &* 7919 &+ step &* 104_729) % 900) / 10 }

    /// The baseline for the SensorThings map query: the latest value of each series, one indexed lookup each.
    func benchLatest(series: [Int64]) async throws -> Int {
        try await db.read { c in
            var n = 0
            for s in series {
                n += try await c.one("SELECT t, value FROM observations WHERE series_id = \(s) ORDER BY t DESC LIMIT 1") == nil ? 0 : 1
            }
            return n
        }
    }

    /// The baseline for the SensorThings filter: the same window and threshold on one series, in plain SQL.
    func benchWindow(series: Int64, from: Int64, to: Int64, above: Double, limit: Int) async throws -> Int {
        try await db.read { c in
            try await c.query(
                "SELECT t, value FROM observations WHERE series_id = \(series) AND t >= \(from) AND t < \(to) AND value > \(above) ORDER BY t LIMIT \(limit)"
            ).count
        }
    }

    /// Inserts indicator values straight into the table (approved), for the indicator benchmark's store.
    func benchFillValues(
        _ rows: [(indicator: String, unit: String, period: String, value: Double?, numerator: Double?, denominator: Double?)]
    ) async throws {
        let values: [[SQLValue]] = rows.map {
            [
                .text($0.indicator), .text($0.unit), .text($0.period), $0.value.map(SQLValue.double) ?? .null,
                $0.numerator.map(SQLValue.double) ?? .null,
                $0.denominator.map(SQLValue.double) ?? .null, .text("approved"), .text("bench"), .int(0),
            ]
        }
        try await db.write { c in
            try await c.insertRows(
                into: "indicator_values",
                columns: ["indicator", "unit", "period", "value", "numerator", "denominator", "status", "updated_by", "updated_at"],
                rows: values)
        }
    }

    /// The baseline for aggregating a ratio indicator: one SQL GROUP BY of numerators and denominators by province
    /// (communes by their parent), no validation, no hierarchy walk.
    func benchAggregateSQL(indicator: String) async throws -> Int {
        try await db.read { c in
            try await c.query(
                """
                SELECT u.parent, v.period, sum(v.numerator) * 100.0 / sum(v.denominator) FROM indicator_values v
                JOIN admin_units u ON u.id = v.unit WHERE v.indicator = \(indicator) GROUP BY u.parent, v.period
                """
            ).count
        }
    }
}
