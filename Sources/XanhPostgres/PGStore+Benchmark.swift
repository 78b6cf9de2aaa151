import Foundation
import XanhCore
import XanhStore

extension PGStore {
    /// Creates the month partitions these times fall in (ingest does this itself; bulk paths call it first).
    public func preparePartitions<S: Sequence<Int64>>(for times: S) async throws { try await ensurePartitions(for: times) }

    /// The baseline the ingest benchmark compares with: the rows sent with `COPY … FROM STDIN` (text format) into
    /// `observations` — no parsing, validation, upsert or derivation marks.
    public func copyBaseline(_ rows: [ValidObservation]) async throws {
        try await ensurePartitions(for: rows.lazy.map(\.t))
        try await read { c in
            try await c.copy(table: "observations", columns: ["series_id", "t", "value", "status", "qc"], count: rows.count) { i, b in
                let r = rows[i]
                b.writeString("\(r.seriesID)\t\(r.t)\t\(r.value)\t\(r.status.rawValue)\t\(r.qc.rawValue)\n")
            }
        }
    }

    /// `count` ambient-air stations `L-0…` with a PM2.5 series and a latest hourly VN_AQI each, for the live-map read.
    public func benchLatestStations(count: Int, t: Int64) async throws {
        try await write { c in
            let now = Self.now()
            try await c.execute(
                """
                INSERT INTO stations(code, name, kind, province, latitude, longitude, active, created_at, updated_at)
                SELECT 'L-' || i, 'Latest ' || i, 'ambient_air', '01', 20 + i / 1000.0, 105 + i / 1000.0, 1, ?, ?
                FROM generate_series(0, ? - 1) i
                """, [now, now, count])
            try await c.execute(
                #"INSERT INTO series(station_id, parameter, "interval", active) SELECT id, 'PM2.5', 300, 1 FROM stations WHERE code LIKE 'L-%'"#)
            try await c.execute(
                """
                INSERT INTO aqi_latest(station_id, t, aqi, dominant, subindices)
                SELECT id, ?, 20 + id % 150, 'PM2.5', 'PM2.5=' || (20 + id % 150) FROM stations WHERE code LIKE 'L-%'
                """, [t])
        }
        directoryCache.set(nil)
    }

    /// Fills whole series with 5-minute values from `start` (`steps` each) and their hourly means, as the deriver
    /// would leave them, server-side (`generate_series`), one transaction per 20 series.
    public func benchFillSeries(_ ids: [Int64], start: Int64, steps: Int) async throws {
        try await ensurePartitions(for: stride(from: start, through: start + Int64(steps) * 300 + 86400, by: 86400))
        for chunk in stride(from: 0, to: ids.count, by: 20) {
            let part = Array(ids[chunk..<min(chunk + 20, ids.count)])
            try await write { c in
                try await c.execute(
                    """
                    INSERT INTO observations(series_id, t, value, status, qc)
                    SELECT s, ?::bigint + k * 300, 10 + ((s * 7919 + k * 104729) % 900) / 10.0, 0, 0
                    FROM unnest(?::bigint[]) s, generate_series(1, ?) k
                    """, [start, PGArg.ints(part), steps])
                try await c.execute(
                    """
                    INSERT INTO hourly(series_id, t, mean, min, max, count, coverage)
                    SELECT series_id, ((t - 1) / 3600 + 1) * 3600, avg(value), min(value), max(value), count(*), least(100, count(*) * 100.0 / 12)
                    FROM observations WHERE series_id = ANY(?) GROUP BY 1, 2
                    """, [PGArg.ints(part)])
            }
        }
        try await write { c in
            try await c.execute("ANALYZE observations")
            try await c.execute("ANALYZE hourly")
        }
    }

    /// Drops this store's schema and everything in it (benchmarks clean up after themselves).
    public func dropSchema() async throws {
        guard pgLocation.schema != "public" else { return }
        try await write { c in try await c.execute("DROP SCHEMA \"\(pgLocation.schema)\" CASCADE") }
    }
}

extension PGStore {
    /// The SensorThings map's baseline on PostgreSQL: the latest raw value of each series, one indexed lookup each.
    public func benchLatest(series: [Int64]) async throws -> Int {
        try await read { c in
            var n = 0
            for s in series {
                n += try await c.query("SELECT t, value FROM observations WHERE series_id = ? ORDER BY t DESC LIMIT 1", [s]).rows.isEmpty ? 0 : 1
            }
            return n
        }
    }

    /// The SensorThings filter's baseline: the same window and threshold on one series, in plain SQL.
    public func benchWindow(series: Int64, from: Int64, to: Int64, above: Double, limit: Int) async throws -> Int {
        try await read { c in
            try await c.query(
                "SELECT t, value FROM observations WHERE series_id = ? AND t >= ? AND t < ? AND value > ? ORDER BY t LIMIT ?",
                [series, from, to, above, limit]
            ).rows.count
        }
    }
}
