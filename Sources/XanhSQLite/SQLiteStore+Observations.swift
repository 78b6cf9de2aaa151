import GRDB
import XanhCore
import XanhStore

extension SQLiteStore: ObservationStore {
    public func ingest(_ rows: [ValidObservation]) async throws -> IngestCounts {
        guard !rows.isEmpty else { return IngestCounts(accepted: 0, replaced: 0) }
        return try await writer.write { db in try Self.ingest(rows, db) }
    }

    /// Upserts rows, marks their hours dirty and advances each series' latest record time, inside the caller's transaction.
    static func ingest(_ rows: [ValidObservation], _ db: Database) throws -> IngestCounts {
        try RetentionPolicy.check(rows, horizon: try horizon(db))
        let insert = try db.cachedStatement(
            sql: "INSERT INTO observations(series_id, t, value, status, qc) VALUES (?,?,?,?,?) ON CONFLICT(series_id, t) DO NOTHING")
        let update = try db.cachedStatement(sql: "UPDATE observations SET value = ?, status = ?, qc = ? WHERE series_id = ? AND t = ?")
        var replaced = 0
        var hours = Set<DirtyMark>()
        var last = DirtyMark(series: -1, hourEnd: 0)
        var latest: [Int64: Int64] = [:]
        for r in rows {
            try insert.execute(arguments: [r.seriesID, r.t, r.value, r.status.rawValue, r.qc.rawValue])
            if db.changesCount == 0 {
                try update.execute(arguments: [r.value, r.status.rawValue, r.qc.rawValue, r.seriesID, r.t])
                replaced += 1
            }
            if r.t > (latest[r.seriesID] ?? .min) { latest[r.seriesID] = r.t }
            let mark = DirtyMark(series: r.seriesID, hourEnd: Timestamps.hourEnd(r.t))
            if mark != last {
                hours.insert(mark)
                last = mark
            }
        }
        let mark = try db.cachedStatement(sql: "INSERT INTO dirty(series_id, hour_end) VALUES (?,?)")
        for h in hours { try mark.execute(arguments: [h.series, h.hourEnd]) }
        let advance = try db.cachedStatement(sql: "UPDATE series SET last_t = ? WHERE id = ? AND (last_t IS NULL OR last_t < ?)")
        for (series, t) in latest { try advance.execute(arguments: [t, series, t]) }
        return IngestCounts(accepted: rows.count, replaced: replaced)
    }

    static func horizon(_ db: Database) throws -> Int64? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [RetentionPolicy.metaKey]).flatMap { Int64($0) }
    }

    public func observationCount() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM observations") ?? 0 }
    }

    private func seriesID(_ db: Database, station: String, parameter: String) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT s.id FROM series s JOIN stations st ON st.id = s.station_id WHERE st.code = ? AND s.parameter = ?",
            arguments: [station, parameter])
    }

    public func rawSeries(station: String, parameter: String, from: Int64, to: Int64, limit: Int) async throws -> [StoredObservation] {
        try await writer.read { db in
            guard let id = try self.seriesID(db, station: station, parameter: parameter) else { return [] }
            return try Row.fetchAll(
                db, sql: "SELECT t, value, status, qc FROM observations WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t LIMIT ?",
                arguments: [id, from, to, limit]
            ).map {
                StoredObservation(
                    t: $0[0], value: $0[1], status: DeviceStatus(rawValue: $0[2]) ?? .measuring, qc: StoredQC(raw: $0[3]))
            }
        }
    }

    public func hourlySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await writer.read { db in
            guard let id = try self.seriesID(db, station: station, parameter: parameter) else { return [] }
            return try Self.hourly(db, series: id, from: from, to: to)
        }
    }

    public func dailySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await writer.read { db in
            guard let id = try self.seriesID(db, station: station, parameter: parameter) else { return [] }
            return try Self.daily(db, series: id, from: from, to: to)
        }
    }

    static func hourly(_ db: Database, series: Int64, from: Int64, to: Int64) throws -> [HourlyStat] {
        var out: [HourlyStat] = []
        let rows = try Row.fetchCursor(
            db, sql: "SELECT t, mean, min, max, count, coverage FROM hourly WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t",
            arguments: [series, from, to])
        while let r = try rows.next() {
            out.append(HourlyStat(hourEnd: r[0], mean: r[1], min: r[2], max: r[3], count: r[4], coverage: r[5]))
        }
        return out
    }

    static func daily(_ db: Database, series: Int64, from: Int64, to: Int64) throws -> [DailyStat] {
        try Row.fetchAll(
            db,
            sql: "SELECT day, mean, min, max, count, hours, coverage, max_hourly FROM daily WHERE series_id = ? AND day >= ? AND day <= ? ORDER BY day",
            arguments: [series, from, to]
        ).map { DailyStat(dayStart: $0[0], mean: $0[1], min: $0[2], max: $0[3], count: $0[4], hours: $0[5], coverage: $0[6], maxHourly: $0[7]) }
    }

    static func decodeAQI(_ r: Row) -> StoredAQI {
        StoredAQI(station: r["code"], t: r["t"], result: AQIResult(aqi: r["aqi"], dominant: r["dominant"], subindices: AQISubindexText.decode(r["subindices"])))
    }

    public func aqiSeries(station: String, scale: AQIScale, resolution: AQIResolution, from: Int64, to: Int64) async throws -> [StoredAQI] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT st.code, a.t, a.aqi, a.dominant, a.subindices FROM aqi a JOIN stations st ON st.id = a.station_id
                    WHERE st.code = ? AND a.scale = ? AND a.resolution = ? AND a.t >= ? AND a.t <= ? ORDER BY a.t
                    """, arguments: [station, scale.rawValue, resolution.rawValue, from, to]
            ).map(Self.decodeAQI)
        }
    }

    public func latestAQI() async throws -> [StoredAQI] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT st.code, l.t, l.aqi, l.dominant, l.subindices FROM aqi_latest l JOIN stations st ON st.id = l.station_id
                    WHERE st.active = 1 AND st.kind = 'ambient_air' ORDER BY st.code
                    """
            ).map(Self.decodeAQI)
        }
    }

    public func exceedances(station: String?, from: Int64, to: Int64, afterID: Int64?, limit: Int) async throws -> [StoredExceedance] {
        try await writer.read { db in
            var sql = """
                SELECT e.*, st.code FROM exceedances e JOIN series s ON s.id = e.series_id JOIN stations st ON st.id = s.station_id
                WHERE e."end" >= ? AND e.start <= ? AND e.id > ?
                """
            var args: [any DatabaseValueConvertible] = [from, to, afterID ?? 0]
            if let station {
                sql += " AND st.code = ?"
                args.append(station)
            }
            sql += " ORDER BY e.id LIMIT ?"
            args.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
                StoredExceedance(id: $0["id"], station: $0["code"], event: Self.decodeEvent($0))
            }
        }
    }

    static func decodeEvent(_ r: Row) -> ExceedanceEvent {
        ExceedanceEvent(
            parameter: r["parameter"], period: AveragingPeriod(rawValue: r["period"]) ?? .hour1, start: r["start"], end: r["end"],
            peak: r["peak"], peakTime: r["peak_time"], limit: r["limit_value"], standard: r["standard"])
    }
}

extension SQLiteStore: DerivationStore {
    public func pendingDirty(limit: Int) async throws -> (maxSeq: Int64, marks: [DirtyMark]) {
        try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, series_id, hour_end FROM dirty ORDER BY seq LIMIT ?", arguments: [limit])
            let marks = Set(rows.map { DirtyMark(series: $0[1], hourEnd: $0[2]) })
            return (rows.last?[0] ?? 0, Array(marks))
        }
    }

    private static func decodeInfo(_ r: Row) -> SeriesInfo {
        SeriesInfo(
            id: r["id"], stationID: r["station_id"], kind: StationKind(rawValue: r["kind"]) ?? .ambientAir, parameter: r["parameter"],
            interval: r["interval"], limits: decodeLimits(r["limits"]))
    }

    public func seriesInfo(ids: [Int64]) async throws -> [SeriesInfo] {
        guard !ids.isEmpty else { return [] }
        return try await writer.read { db in
            let ph = Array(repeating: "?", count: ids.count).joined(separator: ",")
            return try Row.fetchAll(
                db, sql: "SELECT s.id, s.station_id, st.kind, s.parameter, s.interval, st.limits FROM series s JOIN stations st ON st.id = s.station_id WHERE s.id IN (\(ph))",
                arguments: StatementArguments(ids)
            ).map(Self.decodeInfo)
        }
    }

    public func seriesOfStation(_ stationID: Int64) async throws -> [SeriesInfo] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT s.id, s.station_id, st.kind, s.parameter, s.interval, st.limits FROM series s JOIN stations st ON st.id = s.station_id WHERE s.station_id = ?",
                arguments: [stationID]
            ).map(Self.decodeInfo)
        }
    }

    public func qcPoints(series: Int64, from: Int64, to: Int64) async throws -> [(point: QCPoint, qc: StoredQC)] {
        try await writer.read { db in
            var out: [(point: QCPoint, qc: StoredQC)] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT t, value, status, qc FROM observations WHERE series_id = ? AND t > ? AND t <= ? ORDER BY t",
                arguments: [series, from, to])
            while let r = try rows.next() {
                out.append((QCPoint(t: r[0], value: r[1], status: DeviceStatus(rawValue: r[2]) ?? .measuring), StoredQC(raw: r[3])))
            }
            return out
        }
    }

    public func overrides(series: Int64, from: Int64, to: Int64) async throws -> [QCOverride] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM qc_overrides WHERE series_id = ? AND t_to >= ? AND t_from <= ? ORDER BY id", arguments: [series, from, to]
            ).map(Self.decodeOverride)
        }
    }

    static func decodeOverride(_ r: Row) -> QCOverride {
        QCOverride(id: r["id"], from: r["t_from"], to: r["t_to"], flag: QCFlag(rawValue: r["flag"]) ?? .rejected, reason: r["reason"], by: r["by"], at: r["at"])
    }

    public func hourly(series: Int64, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await writer.read { db in try Self.hourly(db, series: series, from: from, to: to) }
    }

    public func daily(series: Int64, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await writer.read { db in try Self.daily(db, series: series, from: from, to: to) }
    }

    public func events(series: Int64, period: AveragingPeriod, from: Int64, to: Int64) async throws -> [(id: Int64, event: ExceedanceEvent)] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: #"SELECT * FROM exceedances WHERE series_id = ? AND period = ? AND "end" >= ? AND start <= ? ORDER BY start"#,
                arguments: [series, period.rawValue, from, to]
            ).map { ($0["id"], Self.decodeEvent($0)) }
        }
    }

    public func apply(_ batch: DerivedBatch) async throws {
        try await writer.write { db in
            let setFlag = try db.cachedStatement(sql: "UPDATE observations SET qc = ? WHERE series_id = ? AND t = ?")
            for f in batch.flags {
                for c in f.changes { try setFlag.execute(arguments: [c.qc.raw, f.series, c.t]) }
            }
            let insCount = try db.cachedStatement(sql: "INSERT INTO hour_counts(series_id, t, received, valid) VALUES (?,?,?,?)")
            for c in batch.counts {
                try db.execute(sql: "DELETE FROM hour_counts WHERE series_id = ? AND t >= ? AND t <= ?", arguments: [c.series, c.from, c.to])
                for r in c.rows { try insCount.execute(arguments: [c.series, r.hourEnd, r.received, r.valid]) }
            }
            for d in batch.deviceErrors {
                // Runs overlapping the recomputed range are replaced.
                try db.execute(
                    sql: #"DELETE FROM station_events WHERE series_id = ? AND kind = 'device_error' AND start <= ? AND ("end" IS NULL OR "end" >= ?)"#,
                    arguments: [d.series, d.to, d.from])
                for r in d.runs {
                    try db.execute(
                        sql: #"INSERT INTO station_events(station_id, series_id, kind, start, "end") SELECT station_id, id, 'device_error', ?, ? FROM series WHERE id = ?"#,
                        arguments: [r.start, r.end, d.series])
                }
            }
            let insHour = try db.cachedStatement(sql: "INSERT INTO hourly(series_id, t, mean, min, max, count, coverage) VALUES (?,?,?,?,?,?,?)")
            for h in batch.hourly {
                try db.execute(sql: "DELETE FROM hourly WHERE series_id = ? AND t >= ? AND t <= ?", arguments: [h.series, h.from, h.to])
                for r in h.rows { try insHour.execute(arguments: [h.series, r.hourEnd, r.mean, r.min, r.max, r.count, r.coverage]) }
            }
            let insDay = try db.cachedStatement(
                sql: "INSERT INTO daily(series_id, day, mean, min, max, count, hours, coverage, max_hourly) VALUES (?,?,?,?,?,?,?,?,?)")
            for d in batch.daily {
                try db.execute(sql: "DELETE FROM daily WHERE series_id = ? AND day >= ? AND day <= ?", arguments: [d.series, d.from, d.to])
                for r in d.rows {
                    try insDay.execute(arguments: [d.series, r.dayStart, r.mean, r.min, r.max, r.count, r.hours, r.coverage, r.maxHourly])
                }
            }
            let insAQI = try db.cachedStatement(
                sql: "INSERT INTO aqi(station_id, scale, resolution, t, aqi, dominant, subindices) VALUES (?,?,?,?,?,?,?)")
            var latest = Set<Int64>()
            for a in batch.aqi {
                try db.execute(
                    sql: "DELETE FROM aqi WHERE station_id = ? AND scale = ? AND resolution = ? AND t >= ? AND t <= ?",
                    arguments: [a.stationID, a.scale.rawValue, a.resolution.rawValue, a.from, a.to])
                for r in a.rows {
                    try insAQI.execute(arguments: [
                        a.stationID, a.scale.rawValue, a.resolution.rawValue, r.t, r.result.aqi, r.result.dominant,
                        AQISubindexText.encode(r.result.subindices),
                    ])
                }
                if a.scale == .vn && a.resolution == .hour { latest.insert(a.stationID) }
            }
            for station in latest {
                try db.execute(sql: "DELETE FROM aqi_latest WHERE station_id = ?", arguments: [station])
                try db.execute(
                    sql: """
                        INSERT INTO aqi_latest(station_id, t, aqi, dominant, subindices)
                        SELECT station_id, t, aqi, dominant, subindices FROM aqi
                        WHERE station_id = ? AND scale = 'vn' AND resolution = 'hour' ORDER BY t DESC LIMIT 1
                        """, arguments: [station])
            }
            let insEvent = try db.cachedStatement(
                sql: #"INSERT INTO exceedances(series_id, parameter, period, start, "end", peak, peak_time, limit_value, standard) VALUES (?,?,?,?,?,?,?,?,?)"#)
            for e in batch.events {
                for id in e.replace { try db.execute(sql: "DELETE FROM exceedances WHERE id = ?", arguments: [id]) }
                for r in e.rows {
                    try insEvent.execute(arguments: [e.series, r.parameter, r.period.rawValue, r.start, r.end, r.peak, r.peakTime, r.limit, r.standard])
                }
            }
            if let seq = batch.clearDirtyUpTo { try db.execute(sql: "DELETE FROM dirty WHERE seq <= ?", arguments: [seq]) }
        }
    }
}

extension SQLiteStore: RetentionStore {
    public func rawHorizon() async throws -> Int64? { try await writer.read { db in try Self.horizon(db) } }

    /// Series by series (the primary key is (series, t)), 50 series per transaction, so readers and writers go on.
    public func applyRetention(rawBefore before: Int64) async throws -> RetentionReport {
        let (horizon, series) = try await writer.write { db -> (Int64, [Int64]) in
            let pending = try Int64.fetchOne(db, sql: "SELECT min(hour_end) FROM dirty")
            let h = RetentionPolicy.effective(requested: before, oldestPendingHourEnd: pending, previous: try Self.horizon(db))
            // Recorded first: from here on, rows before it are refused.
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [RetentionPolicy.metaKey, String(h)])
            return (h, try Int64.fetchAll(db, sql: "SELECT id FROM series ORDER BY id"))
        }
        var deleted = 0
        for chunk in stride(from: 0, to: series.count, by: 50) {
            deleted += try await writer.write { db in
                var n = 0
                for s in series[chunk..<min(chunk + 50, series.count)] {
                    try db.execute(sql: "DELETE FROM observations WHERE series_id = ? AND t < ?", arguments: [s, horizon])
                    n += db.changesCount
                    try db.execute(sql: "DELETE FROM sta_obs_extra WHERE series_id = ? AND t < ?", arguments: [s, horizon])
                }
                return n
            }
        }
        return RetentionReport(horizon: horizon, deletedRows: deleted, droppedPartitions: [])
    }
}
