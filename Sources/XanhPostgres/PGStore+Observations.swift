import XanhCore
import XanhStore

extension PGStore: ObservationStore {
    public func ingest(_ rows: [ValidObservation]) async throws -> IngestCounts {
        guard !rows.isEmpty else { return IngestCounts(accepted: 0, replaced: 0) }
        try await ensurePartitions(for: rows.lazy.map(\.t))
        return try await write { c in try await Self.ingest(rows, c) }
    }

    /// Upserts rows (one statement over arrays), marks their hours dirty and advances each series' latest record time,
    /// inside the caller's transaction. A key sent twice in one batch keeps the last value and counts as a replacement,
    /// as on SQLite.
    static func ingest(_ rows: [ValidObservation], _ c: PGConn) async throws -> IngestCounts {
        try RetentionPolicy.check(rows, horizon: try await horizon(c))
        var index: [DirtyMark: Int] = [:]  // (series, t) → position in the arrays
        index.reserveCapacity(rows.count)
        var series: [Int64] = [], times: [Int64] = [], values: [Double] = [], statuses: [Int64] = [], qcs: [Int64] = []
        series.reserveCapacity(rows.count)
        times.reserveCapacity(rows.count)
        values.reserveCapacity(rows.count)
        statuses.reserveCapacity(rows.count)
        qcs.reserveCapacity(rows.count)
        var duplicates = 0
        var hours = Set<DirtyMark>()
        var latest: [Int64: Int64] = [:]
        for r in rows {
            let key = DirtyMark(series: r.seriesID, hourEnd: r.t)
            if let i = index[key] {
                values[i] = r.value
                statuses[i] = Int64(r.status.rawValue)
                qcs[i] = Int64(r.qc.rawValue)
                duplicates += 1
                continue
            }
            index[key] = series.count
            series.append(r.seriesID)
            times.append(r.t)
            values.append(r.value)
            statuses.append(Int64(r.status.rawValue))
            qcs.append(Int64(r.qc.rawValue))
            hours.insert(DirtyMark(series: r.seriesID, hourEnd: Timestamps.hourEnd(r.t)))
            if r.t > (latest[r.seriesID] ?? .min) { latest[r.seriesID] = r.t }
        }
        // The common case, fresh data, goes in by COPY (inside a savepoint); a batch that repeats a stored key, or
        // one the probe cannot rule out, takes the upsert over arrays. New keys go in first; only when some key
        // already existed is the batch joined again to replace those values (xmax, the usual way to tell inserts
        // from updates, cannot be read from a partitioned table).
        var inserted: Int?
        if duplicates == 0, values.allSatisfy(\.isFinite), try await !anyStored(series: series, times: times, c) {
            try await c.execute("SAVEPOINT xanh_copy")
            do {
                try await c.copy(table: "observations", columns: ["series_id", "t", "value", "status", "qc"], count: series.count) { i, b in
                    b.writeString("\(series[i])\t\(times[i])\t\(values[i])\t\(statuses[i])\t\(qcs[i])\n")
                }
                try await c.execute("RELEASE SAVEPOINT xanh_copy")
                inserted = series.count
            } catch let e as PGQueryError where e.isConstraint {
                // A key stored since the probe (a concurrent writer): the upsert below decides.
                try await c.execute("ROLLBACK TO SAVEPOINT xanh_copy")
            }
        }
        let arrays: [any PGArgConvertible] = [PGArg.ints(series), PGArg.ints(times), PGArg.doubles(values), PGArg.ints(statuses), PGArg.ints(qcs)]
        if inserted == nil {
            inserted = try await c.scalar(
                """
                WITH ins AS (
                  INSERT INTO observations(series_id, t, value, status, qc)
                  SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::bigint[], ?::bigint[])
                  ON CONFLICT (series_id, t) DO NOTHING RETURNING 1)
                SELECT count(*) FROM ins
                """, arrays
            ).int ?? 0
        }
        let replaced = series.count - inserted!
        if replaced > 0 {
            try await c.execute(
                """
                UPDATE observations o SET value = v.value, status = v.status, qc = v.qc
                FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::bigint[], ?::bigint[]) AS v(series_id, t, value, status, qc)
                WHERE o.series_id = v.series_id AND o.t = v.t AND (o.value, o.status, o.qc) IS DISTINCT FROM (v.value, v.status, v.qc)
                """, arrays)
        }
        let marks = hours.sorted { ($0.series, $0.hourEnd) < ($1.series, $1.hourEnd) }
        try await c.execute(
            "INSERT INTO dirty(series_id, hour_end) SELECT * FROM unnest(?::bigint[], ?::bigint[])",
            [PGArg.ints(marks.map(\.series)), PGArg.ints(marks.map(\.hourEnd))])
        let ids = latest.keys.sorted()
        try await c.execute(
            """
            UPDATE series s SET last_t = v.t FROM unnest(?::bigint[], ?::bigint[]) AS v(id, t)
            WHERE s.id = v.id AND (s.last_t IS NULL OR s.last_t < v.t)
            """, [PGArg.ints(ids), PGArg.ints(ids.map { latest[$0]! })])
        return IngestCounts(accepted: rows.count, replaced: replaced + duplicates)
    }

    static func horizon(_ c: PGConn) async throws -> Int64? {
        try await c.scalar("SELECT value FROM meta WHERE key = ?", [RetentionPolicy.metaKey]).text.flatMap { Int64($0) }
    }

    /// Whether any of a few rows (first, middle, last, and for small batches all) is stored already: a resend is
    /// usually whole, so this sends it straight to the upsert instead of a COPY bound to fail.
    static func anyStored(series: [Int64], times: [Int64], _ c: PGConn) async throws -> Bool {
        let n = series.count
        guard n > 0 else { return false }
        let picks = n <= 16 ? Array(0..<n) : Array(Set([0, n / 4, n / 2, 3 * n / 4, n - 1])).sorted()
        return try await c.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM observations o JOIN unnest(?::bigint[], ?::bigint[]) AS k(s, t) ON o.series_id = k.s AND o.t = k.t)
            """, [PGArg.ints(picks.map { series[$0] }), PGArg.ints(picks.map { times[$0] })]
        ).bool
    }

    public func observationCount() async throws -> Int {
        try await read { c in try await c.scalar("SELECT count(*) FROM observations").int ?? 0 }
    }

    private func seriesID(_ c: PGConn, station: String, parameter: String) async throws -> Int64? {
        try await c.scalar(
            "SELECT s.id FROM series s JOIN stations st ON st.id = s.station_id WHERE st.code = ? AND s.parameter = ?", [station, parameter]
        ).int64
    }

    public func rawSeries(station: String, parameter: String, from: Int64, to: Int64, limit: Int) async throws -> [StoredObservation] {
        try await read { c in
            guard let id = try await self.seriesID(c, station: station, parameter: parameter) else { return [] }
            return try await c.typed(
                "SELECT t, value, status, qc FROM observations WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t LIMIT ?", [id, from, to, limit],
                as: (Int64, Double, Int64, Int64).self
            ).map { StoredObservation(t: $0.0, value: $0.1, status: DeviceStatus(rawValue: UInt8($0.2)) ?? .measuring, qc: StoredQC(raw: Int($0.3))) }
        }
    }

    public func hourlySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await read { c in
            guard let id = try await self.seriesID(c, station: station, parameter: parameter) else { return [] }
            return try await Self.hourly(c, series: id, from: from, to: to)
        }
    }

    public func dailySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await read { c in
            guard let id = try await self.seriesID(c, station: station, parameter: parameter) else { return [] }
            return try await Self.daily(c, series: id, from: from, to: to)
        }
    }

    static func hourly(_ c: PGConn, series: Int64, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await c.typed(
            "SELECT t, mean, min, max, count, coverage FROM hourly WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t", [series, from, to],
            as: (Int64, Double, Double, Double, Int64, Double).self
        ).map { HourlyStat(hourEnd: $0.0, mean: $0.1, min: $0.2, max: $0.3, count: Int($0.4), coverage: $0.5) }
    }

    static func daily(_ c: PGConn, series: Int64, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await c.typed(
            "SELECT day, mean, min, max, count, hours, coverage, max_hourly FROM daily WHERE series_id = ? AND day >= ? AND day <= ? ORDER BY day",
            [series, from, to], as: (Int64, Double, Double, Double, Int64, Int64, Double, Double).self
        ).map {
            DailyStat(
                dayStart: $0.0, mean: $0.1, min: $0.2, max: $0.3, count: Int($0.4), hours: Int($0.5), coverage: $0.6, maxHourly: $0.7)
        }
    }

    static func decodeAQI(_ r: SQLRecord) -> StoredAQI {
        StoredAQI(
            station: r["code"].text!, t: r["t"].int64!,
            result: AQIResult(aqi: r["aqi"].int!, dominant: r["dominant"].text!, subindices: AQISubindexText.decode(r["subindices"].text!)))
    }

    public func aqiSeries(station: String, scale: AQIScale, resolution: AQIResolution, from: Int64, to: Int64) async throws -> [StoredAQI] {
        try await read { c in
            try await c.records(
                """
                SELECT st.code, a.t, a.aqi, a.dominant, a.subindices FROM aqi a JOIN stations st ON st.id = a.station_id
                WHERE st.code = ? AND a.scale = ? AND a.resolution = ? AND a.t >= ? AND a.t <= ? ORDER BY a.t
                """, [station, scale.rawValue, resolution.rawValue, from, to]
            ).map(Self.decodeAQI)
        }
    }

    public func latestAQI() async throws -> [StoredAQI] {
        try await read { c in
            try await c.records(
                """
                SELECT st.code, l.t, l.aqi, l.dominant, l.subindices FROM aqi_latest l JOIN stations st ON st.id = l.station_id
                WHERE st.active = 1 AND st.kind = 'ambient_air' ORDER BY st.code COLLATE "C"
                """
            ).map(Self.decodeAQI)
        }
    }

    public func exceedances(station: String?, from: Int64, to: Int64, afterID: Int64?, limit: Int) async throws -> [StoredExceedance] {
        try await read { c in
            var sql = """
                SELECT e.*, st.code FROM exceedances e JOIN series s ON s.id = e.series_id JOIN stations st ON st.id = s.station_id
                WHERE e."end" >= ? AND e.start <= ? AND e.id > ?
                """
            var args: [any PGArgConvertible] = [from, to, afterID ?? 0]
            if let station {
                sql += " AND st.code = ?"
                args.append(station)
            }
            sql += " ORDER BY e.id LIMIT ?"
            args.append(limit)
            return try await c.records(sql, args).map { StoredExceedance(id: $0["id"].int64!, station: $0["code"].text!, event: Self.decodeEvent($0)) }
        }
    }

    static func decodeEvent(_ r: SQLRecord) -> ExceedanceEvent {
        ExceedanceEvent(
            parameter: r["parameter"].text!, period: AveragingPeriod(rawValue: r["period"].text!) ?? .hour1, start: r["start"].int64!,
            end: r["end"].int64!, peak: r["peak"].double!, peakTime: r["peak_time"].int64!, limit: r["limit_value"].double!,
            standard: r["standard"].text!)
    }
}

extension PGStore: DerivationStore {
    public func pendingDirty(limit: Int) async throws -> (maxSeq: Int64, marks: [DirtyMark]) {
        try await read { c in
            let rows = try await c.query("SELECT seq, series_id, hour_end FROM dirty ORDER BY seq LIMIT ?", [limit]).rows
            let marks = Set(rows.map { DirtyMark(series: $0[1].int64!, hourEnd: $0[2].int64!) })
            return (rows.last?[0].int64 ?? 0, Array(marks))
        }
    }

    private static func decodeInfo(_ r: SQLRecord) -> SeriesInfo {
        SeriesInfo(
            id: r["id"].int64!, stationID: r["station_id"].int64!, kind: StationKind(rawValue: r["kind"].text!) ?? .ambientAir,
            parameter: r["parameter"].text!, interval: r["interval"].int!, limits: decodeLimits(r["limits"].text))
    }

    public func seriesInfo(ids: [Int64]) async throws -> [SeriesInfo] {
        guard !ids.isEmpty else { return [] }
        return try await read { c in
            try await c.records(
                #"SELECT s.id, s.station_id, st.kind, s.parameter, s."interval", st.limits FROM series s JOIN stations st ON st.id = s.station_id WHERE s.id = ANY(?)"#,
                [PGArg.ints(ids)]
            ).map(Self.decodeInfo)
        }
    }

    public func seriesOfStation(_ stationID: Int64) async throws -> [SeriesInfo] {
        try await read { c in
            try await c.records(
                #"SELECT s.id, s.station_id, st.kind, s.parameter, s."interval", st.limits FROM series s JOIN stations st ON st.id = s.station_id WHERE s.station_id = ? ORDER BY s.id"#,
                [stationID]
            ).map(Self.decodeInfo)
        }
    }

    public func qcPoints(series: Int64, from: Int64, to: Int64) async throws -> [(point: QCPoint, qc: StoredQC)] {
        try await read { c in
            try await c.typed(
                "SELECT t, value, status, qc FROM observations WHERE series_id = ? AND t > ? AND t <= ? ORDER BY t", [series, from, to],
                as: (Int64, Double, Int64, Int64).self
            ).map { (QCPoint(t: $0.0, value: $0.1, status: DeviceStatus(rawValue: UInt8($0.2)) ?? .measuring), StoredQC(raw: Int($0.3))) }
        }
    }

    public func overrides(series: Int64, from: Int64, to: Int64) async throws -> [QCOverride] {
        try await read { c in
            try await c.records("SELECT * FROM qc_overrides WHERE series_id = ? AND t_to >= ? AND t_from <= ? ORDER BY id", [series, from, to])
                .map(Self.decodeOverride)
        }
    }

    static func decodeOverride(_ r: SQLRecord) -> QCOverride {
        QCOverride(
            id: r["id"].int64!, from: r["t_from"].int64!, to: r["t_to"].int64!, flag: QCFlag(rawValue: UInt8(r["flag"].int!)) ?? .rejected,
            reason: r["reason"].text!, by: r["by"].text!, at: r["at"].int64!)
    }

    public func hourly(series: Int64, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await read { c in try await Self.hourly(c, series: series, from: from, to: to) }
    }

    public func daily(series: Int64, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await read { c in try await Self.daily(c, series: series, from: from, to: to) }
    }

    public func events(series: Int64, period: AveragingPeriod, from: Int64, to: Int64) async throws -> [(id: Int64, event: ExceedanceEvent)] {
        try await read { c in
            try await c.records(
                #"SELECT * FROM exceedances WHERE series_id = ? AND period = ? AND "end" >= ? AND start <= ? ORDER BY start"#,
                [series, period.rawValue, from, to]
            ).map { ($0["id"].int64!, Self.decodeEvent($0)) }
        }
    }

    public func apply(_ batch: DerivedBatch) async throws {
        try await write { c in
            for f in batch.flags where !f.changes.isEmpty {
                try await c.execute(
                    "UPDATE observations o SET qc = v.qc FROM unnest(?::bigint[], ?::bigint[]) AS v(t, qc) WHERE o.series_id = ? AND o.t = v.t",
                    [PGArg.ints(f.changes.map(\.t)), PGArg.ints(f.changes.map { Int64($0.qc.raw) }), f.series])
            }
            for h in batch.counts {
                try await c.execute("DELETE FROM hour_counts WHERE series_id = ? AND t >= ? AND t <= ?", [h.series, h.from, h.to])
                try await c.execute(
                    "INSERT INTO hour_counts(series_id, t, received, valid) SELECT ?, * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[])",
                    [h.series, PGArg.ints(h.rows.map(\.hourEnd)), PGArg.ints(h.rows.map { Int64($0.received) }), PGArg.ints(h.rows.map { Int64($0.valid) })])
            }
            for d in batch.deviceErrors {
                // Runs overlapping the recomputed range are replaced.
                try await c.execute(
                    #"DELETE FROM station_events WHERE series_id = ? AND kind = 'device_error' AND start <= ? AND ("end" IS NULL OR "end" >= ?)"#,
                    [d.series, d.to, d.from])
                for r in d.runs {
                    try await c.execute(
                        #"INSERT INTO station_events(station_id, series_id, kind, start, "end") SELECT station_id, id, 'device_error', ?, ? FROM series WHERE id = ?"#,
                        [r.start, r.end, d.series])
                }
            }
            for h in batch.hourly {
                try await c.execute("DELETE FROM hourly WHERE series_id = ? AND t >= ? AND t <= ?", [h.series, h.from, h.to])
                try await c.execute(
                    """
                    INSERT INTO hourly(series_id, t, mean, min, max, count, coverage)
                    SELECT ?, * FROM unnest(?::bigint[], ?::float8[], ?::float8[], ?::float8[], ?::bigint[], ?::float8[])
                    """,
                    [
                        h.series, PGArg.ints(h.rows.map(\.hourEnd)), PGArg.doubles(h.rows.map(\.mean)), PGArg.doubles(h.rows.map(\.min)),
                        PGArg.doubles(h.rows.map(\.max)), PGArg.ints(h.rows.map { Int64($0.count) }), PGArg.doubles(h.rows.map(\.coverage)),
                    ])
            }
            for d in batch.daily {
                try await c.execute("DELETE FROM daily WHERE series_id = ? AND day >= ? AND day <= ?", [d.series, d.from, d.to])
                try await c.execute(
                    """
                    INSERT INTO daily(series_id, day, mean, min, max, count, hours, coverage, max_hourly)
                    SELECT ?, * FROM unnest(?::bigint[], ?::float8[], ?::float8[], ?::float8[], ?::bigint[], ?::bigint[], ?::float8[], ?::float8[])
                    """,
                    [
                        d.series, PGArg.ints(d.rows.map(\.dayStart)), PGArg.doubles(d.rows.map(\.mean)), PGArg.doubles(d.rows.map(\.min)),
                        PGArg.doubles(d.rows.map(\.max)), PGArg.ints(d.rows.map { Int64($0.count) }), PGArg.ints(d.rows.map { Int64($0.hours) }),
                        PGArg.doubles(d.rows.map(\.coverage)), PGArg.doubles(d.rows.map(\.maxHourly)),
                    ])
            }
            var latest = Set<Int64>()
            for a in batch.aqi {
                try await c.execute(
                    "DELETE FROM aqi WHERE station_id = ? AND scale = ? AND resolution = ? AND t >= ? AND t <= ?",
                    [a.stationID, a.scale.rawValue, a.resolution.rawValue, a.from, a.to])
                try await c.execute(
                    """
                    INSERT INTO aqi(station_id, scale, resolution, t, aqi, dominant, subindices)
                    SELECT ?, ?, ?, * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[])
                    """,
                    [
                        a.stationID, a.scale.rawValue, a.resolution.rawValue, PGArg.ints(a.rows.map(\.t)),
                        PGArg.ints(a.rows.map { Int64($0.result.aqi) }), PGArg.texts(a.rows.map(\.result.dominant)),
                        PGArg.texts(a.rows.map { AQISubindexText.encode($0.result.subindices) }),
                    ])
                if a.scale == .vn && a.resolution == .hour { latest.insert(a.stationID) }
            }
            for station in latest.sorted() {
                try await c.execute("DELETE FROM aqi_latest WHERE station_id = ?", [station])
                try await c.execute(
                    """
                    INSERT INTO aqi_latest(station_id, t, aqi, dominant, subindices)
                    SELECT station_id, t, aqi, dominant, subindices FROM aqi
                    WHERE station_id = ? AND scale = 'vn' AND resolution = 'hour' ORDER BY t DESC LIMIT 1
                    """, [station])
            }
            for e in batch.events {
                if !e.replace.isEmpty { try await c.execute("DELETE FROM exceedances WHERE id = ANY(?)", [PGArg.ints(e.replace)]) }
                for r in e.rows {
                    try await c.execute(
                        #"INSERT INTO exceedances(series_id, parameter, period, start, "end", peak, peak_time, limit_value, standard) VALUES (?,?,?,?,?,?,?,?,?)"#,
                        [e.series, r.parameter, r.period.rawValue, r.start, r.end, r.peak, r.peakTime, r.limit, r.standard])
                }
            }
            if let seq = batch.clearDirtyUpTo { try await c.execute("DELETE FROM dirty WHERE seq <= ?", [seq]) }
        }
    }
}

extension PGStore: RetentionStore {
    public func rawHorizon() async throws -> Int64? { try await read { c in try await Self.horizon(c) } }

    /// Month partitions wholly before the horizon are dropped (instant, no dead rows to vacuum); the partition the
    /// horizon falls in loses its older rows by DELETE.
    public func applyRetention(rawBefore before: Int64) async throws -> RetentionReport {
        let horizon = try await write { c -> Int64 in
            let pending = try await c.scalar("SELECT min(hour_end) FROM dirty").int64
            let h = RetentionPolicy.effective(requested: before, oldestPendingHourEnd: pending, previous: try await Self.horizon(c))
            try await c.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [RetentionPolicy.metaKey, String(h)])
            return h
        }
        let months = try await read { c in
            try await c.query(
                """
                SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = (quote_ident(current_schema()) || '.observations')::regclass ORDER BY c.relname
                """
            ).rows.compactMap { r -> (String, Int64)? in
                // FOR VALUES FROM ('1761955200') TO ('1764547200')
                guard let name = r[0].text, let bound = r[1].text, let to = bound.components(separatedBy: "TO (").last else { return nil }
                let digits = to.filter { $0.isNumber || $0 == "-" }
                return Int64(digits).map { (name, $0) }
            }
        }
        var dropped: [String] = []
        var deleted = 0
        for (name, to) in months where to <= horizon {
            deleted += try await write { c in
                let n = try await c.scalar("SELECT count(*) FROM \(name)").int ?? 0
                try await c.execute("DROP TABLE \(name)")
                return n
            }
            dropped.append(name)
        }
        partitions.set([])
        deleted += try await write { c in
            let n = try await c.scalar("WITH d AS (DELETE FROM observations WHERE t < ? RETURNING 1) SELECT count(*) FROM d", [horizon]).int ?? 0
            try await c.execute("DELETE FROM sta_obs_extra WHERE t < ?", [horizon])
            return n
        }
        return RetentionReport(horizon: horizon, deletedRows: deleted, droppedPartitions: dropped)
    }
}
