import GRDB
import XanhCore

extension SQLiteStore {
    /// The baseline the ingest benchmark compares with: plain INSERTs of the rows through one cached prepared
    /// statement in one transaction — no parsing, validation, upsert check or derivation marks.
    public func rawInsertBaseline(_ rows: [ValidObservation]) throws {
        try writer.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO observations(series_id, t, value, status, qc) VALUES (?,?,?,?,?)")
            for r in rows { try insert.execute(arguments: [r.seriesID, r.t, r.value, r.status.rawValue, r.qc.rawValue]) }
        }
    }
}

extension SQLiteStore {
    /// Fills series with `steps` synthetic values every `interval` seconds from `start`, with their hourly and daily
    /// rollups and (for each station's first series) an hourly and daily AQI, as the deriver would leave them.
    /// For the SensorThings benchmark's 138-million-row store; one transaction per 50 series.
    public func benchFill(series: [(id: Int64, station: Int64, aqi: Bool)], start: Int64, steps: Int, interval: Int64) throws {
        for chunk in stride(from: 0, to: series.count, by: 50) {
            try writer.write { db in
                let raw = try db.cachedStatement(sql: "INSERT INTO observations(series_id, t, value, status, qc) VALUES (?,?,?,0,0)")
                let hour = try db.cachedStatement(sql: "INSERT INTO hourly(series_id, t, mean, min, max, count, coverage) VALUES (?,?,?,?,?,?,?)")
                let day = try db.cachedStatement(
                    sql: "INSERT INTO daily(series_id, day, mean, min, max, count, hours, coverage, max_hourly) VALUES (?,?,?,?,?,?,?,?,?)")
                let aqi = try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO aqi(station_id, scale, resolution, t, aqi, dominant, subindices) VALUES (?,'vn',?,?,?,'PM2.5',?)")
                for s in series[chunk..<min(chunk + 50, series.count)] {
                    var hourSum = 0.0, hourMin = Double.infinity, hourMax = -Double.infinity, hourCount = 0
                    var daySum = 0.0, dayHours = 0, dayMin = Double.infinity, dayMax = -Double.infinity, dayCount = 0, dayMaxHourly = 0.0
                    var lastHour = Timestamps.hourEnd(start)
                    var lastDay = Timestamps.dayStart(ofHourEnd: lastHour)
                    func flushHour() throws {
                        guard hourCount > 0 else { return }
                        let mean = hourSum / Double(hourCount)
                        try hour.execute(arguments: [s.id, lastHour, mean, hourMin, hourMax, hourCount, min(100, Double(hourCount) * 100 / 12)])
                        if s.aqi { try aqi.execute(arguments: [s.station, "hour", lastHour, Int(mean), "PM2.5=\(Int(mean))"]) }
                        daySum += mean
                        dayHours += 1
                        dayMaxHourly = max(dayMaxHourly, mean)
                        hourSum = 0
                        hourMin = .infinity
                        hourMax = -.infinity
                        hourCount = 0
                    }
                    func flushDay() throws {
                        guard dayHours > 0 else { return }
                        let mean = daySum / Double(dayHours)
                        try day.execute(arguments: [s.id, lastDay, mean, dayMin, dayMax, dayCount, dayHours, Double(dayHours) * 100 / 24, dayMaxHourly])
                        if s.aqi { try aqi.execute(arguments: [s.station, "day", lastDay, Int(mean), "PM2.5=\(Int(mean))"]) }
                        daySum = 0
                        dayHours = 0
                        dayMin = .infinity
                        dayMax = -.infinity
                        dayCount = 0
                        dayMaxHourly = 0
                    }
                    for k in 0..<steps {
                        let t = start + Int64(k) * interval
                        let v = 10 + Double((Int(s.id) &* 7919 &+ k &* 104_729) % 900) / 10
                        try raw.execute(arguments: [s.id, t, v])
                        let h = Timestamps.hourEnd(t)
                        if h != lastHour {
                            try flushHour()
                            let d = Timestamps.dayStart(ofHourEnd: h)
                            if d != lastDay {
                                try flushDay()
                                lastDay = d
                            }
                            lastHour = h
                        }
                        hourSum += v
                        hourCount += 1
                        hourMin = min(hourMin, v)
                        hourMax = max(hourMax, v)
                        dayMin = min(dayMin, v)
                        dayMax = max(dayMax, v)
                        dayCount += 1
                    }
                    try flushHour()
                    try flushDay()
                    try db.execute(sql: "UPDATE series SET last_t = ? WHERE id = ?", arguments: [start + Int64(steps - 1) * interval, s.id])
                }
            }
        }
    }

    /// The baseline for the SensorThings map query: the latest value of each series, one indexed lookup each.
    public func benchLatest(series: [Int64]) throws -> Int {
        try writer.read { db in
            let st = try db.cachedStatement(sql: "SELECT t, value FROM observations WHERE series_id = ? ORDER BY t DESC LIMIT 1")
            var n = 0
            for s in series { n += try Row.fetchOne(st, arguments: [s]) == nil ? 0 : 1 }
            return n
        }
    }

    /// The baseline for the SensorThings filter: the same window and threshold on one series, in plain SQL.
    public func benchWindow(series: Int64, from: Int64, to: Int64, above: Double, limit: Int) throws -> Int {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT t, value FROM observations WHERE series_id = ? AND t >= ? AND t < ? AND value > ? ORDER BY t LIMIT ?",
                arguments: [series, from, to, above, limit]
            ).count
        }
    }
}

extension SQLiteStore {
    /// Inserts indicator values straight into the table (approved), for the indicator benchmark's store.
    public func benchFillValues(_ rows: [(indicator: String, unit: String, period: String, value: Double?, numerator: Double?, denominator: Double?)]) throws {
        try writer.write { db in
            let st = try db.cachedStatement(
                sql: """
                    INSERT INTO indicator_values(indicator, unit, period, value, numerator, denominator, status, updated_by, updated_at)
                    VALUES (?,?,?,?,?,?,'approved','bench',0)
                    """)
            for r in rows { try st.execute(arguments: [r.indicator, r.unit, r.period, r.value, r.numerator, r.denominator]) }
        }
    }

    /// The baseline for aggregating a ratio indicator: one SQL GROUP BY of numerators and denominators by province
    /// (communes by their parent), no validation, no hierarchy walk.
    public func benchAggregateSQL(indicator: String) throws -> Int {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.parent, v.period, sum(v.numerator) * 100.0 / sum(v.denominator) FROM indicator_values v
                    JOIN admin_units u ON u.id = v.unit WHERE v.indicator = ? GROUP BY u.parent, v.period
                    """, arguments: [indicator]
            ).count
        }
    }
}
