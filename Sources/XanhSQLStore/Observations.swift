import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: ObservationStore {
    public func ingest(_ rows: [ValidObservation]) async throws -> IngestCounts {
        guard !rows.isEmpty else { return IngestCounts(accepted: 0, replaced: 0) }
        return try await write { c in try await self.ingest(rows, c) }
    }

    /// Upserts rows (the engine's own way: `SQLConnection.writeObservations`), marks the hours they touch dirty and
    /// advances each series' latest record time, inside the caller's transaction. The rules decide first whether the
    /// batch may be stored (the retention horizon).
    func ingest(_ rows: [ValidObservation], _ c: any SQLConnection) async throws -> IngestCounts {
        try rules.checkIngest(rows, try await Self.horizon(c))
        let replaced = try await c.writeObservations(rows)
        var hours = Set<DirtyMark>()
        var last = DirtyMark(series: -1, hourEnd: 0)
        var latest: [Int64: Int64] = [:]
        for r in rows {
            if r.t > (latest[r.seriesID] ?? .min) { latest[r.seriesID] = r.t }
            let mark = DirtyMark(series: r.seriesID, hourEnd: Timestamps.hourEnd(r.t))
            if mark != last {
                hours.insert(mark)
                last = mark
            }
        }
        let marks = hours.sorted { ($0.series, $0.hourEnd) < ($1.series, $1.hourEnd) }
        try await c.insertRows(into: "dirty", columns: ["series_id", "hour_end"], rows: marks.map { [.int($0.series), .int($0.hourEnd)] })
        let advance = latest.sorted { $0.key < $1.key }.map { [SQLValue.int($0.key), .int($0.value)] }
        for part in c.chunks(advance, columns: 2) {
            try await c.execute(
                """
                UPDATE series SET last_t = v.column2 FROM \(SQL.values(Array(part), [.bigint, .bigint])) AS v
                WHERE series.id = v.column1 AND (series.last_t IS NULL OR series.last_t < v.column2)
                """)
        }
        return IngestCounts(accepted: rows.count, replaced: replaced)
    }

    static func horizon(_ c: any SQLConnection) async throws -> Int64? {
        try await c.scalar("SELECT value FROM meta WHERE key = \(RetentionKeys.horizon)").text.flatMap { Int64($0) }
    }

    public func observationCount() async throws -> Int {
        try await read { c in Int(try await c.scalar("SELECT count(*) FROM observations").int64 ?? 0) }
    }

    func seriesID(_ c: any SQLConnection, station: String, parameter: String) async throws -> Int64? {
        try await c.scalar(Self.seriesIDQuery(station: station, parameter: parameter)).int64
    }

    static func seriesIDQuery(station: String, parameter: String) -> SQL {
        "SELECT s.id FROM series s JOIN stations st ON st.id = s.station_id WHERE st.code = \(station) AND s.parameter = \(parameter)"
    }

    public func rawSeries(station: String, parameter: String, from: Int64, to: Int64, limit: Int) async throws -> [StoredObservation] {
        try await read { c in
            guard let id = try await self.seriesID(c, station: station, parameter: parameter) else { return [] }
            return try await Self.points(
                c, "SELECT t, value, status, qc FROM observations WHERE series_id = \(id) AND t >= \(from) AND t <= \(to) ORDER BY t LIMIT \(limit)"
            )
            .map { StoredObservation(t: $0.point.t, value: $0.point.value, status: $0.point.status, qc: $0.qc) }
        }
    }

    static func points(_ c: any SQLConnection, _ sql: SQL) async throws -> [(point: QCPoint, qc: StoredQC)] {
        try await c.query(sql).map(point)
    }

    /// A row whose first columns are an observation's t, value, status and qc.
    static func point(_ r: SQLRow) throws -> (point: QCPoint, qc: StoredQC) {
        guard case .int(let t) = r[0], let v = r[1].double, let status = r[2].int64, let qc = r[3].int64 else {
            throw SQLDecodingError(column: "observations", expected: "t, value, status, qc", found: r[0])
        }
        return (
            QCPoint(t: t, value: v, status: UInt8(exactly: status).flatMap(DeviceStatus.init(rawValue:)) ?? .measuring),
            StoredQC(raw: Int(truncatingIfNeeded: qc))
        )
    }

    public func latestValues(station: String) async throws -> [String: StoredObservation] {
        try await read { c in
            var out: [String: StoredObservation] = [:]
            let rows = try await c.query(
                """
                SELECT o.t, o.value, o.status, o.qc, s.parameter FROM series s JOIN stations st ON st.id = s.station_id
                JOIN observations o ON o.series_id = s.id AND o.t = s.last_t WHERE st.code = \(station)
                """)
            for r in rows {
                let p = try Self.point(r)
                out[try r.text("parameter")] = StoredObservation(t: p.point.t, value: p.point.value, status: p.point.status, qc: p.qc)
            }
            return out
        }
    }

    public func hourlySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await read { c in
            // One statement: the series found inside it (a long read's round trips count).
            try await Self.hourly(c, series: Self.seriesIDQuery(station: station, parameter: parameter), from: from, to: to)
        }
    }

    public func dailySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await read { c in
            guard let id = try await self.seriesID(c, station: station, parameter: parameter) else { return [] }
            return try await Self.daily(c, series: id, from: from, to: to)
        }
    }

    /// A series' hourly means: a long read (a year is 8,760 rows), so read in columns.
    /// `series`: the series id, or a statement that finds it.
    static func hourly(_ c: any SQLConnection, series: SQL, from: Int64, to: Int64) async throws -> [HourlyStat] {
        let cols = try await c.numberColumns(
            "SELECT t, mean, min, max, count, coverage FROM hourly WHERE series_id = (\(series)) AND t >= \(from) AND t <= \(to) ORDER BY t",
            [.int, .double, .double, .double, .int, .double])
        guard cols.count == 6 else { return [] }
        return (0..<cols[0].count).compactMap { i in
            guard let t = cols[0].int(i), let mean = cols[1].double(i), let min = cols[2].double(i), let max = cols[3].double(i),
                let count = cols[4].int(i).flatMap({ Int(exactly: $0) }), let coverage = cols[5].double(i)
            else { return nil }
            return HourlyStat(hourEnd: t, mean: mean, min: min, max: max, count: count, coverage: coverage)
        }
    }

    static func daily(_ c: any SQLConnection, series: Int64, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await c.query(
            "SELECT day, mean, min, max, count, hours, coverage, max_hourly FROM daily WHERE series_id = \(series) AND day >= \(from) AND day <= \(to) ORDER BY day"
        ).map(decodeDaily)
    }

    static func decodeDaily(_ r: SQLRow) throws -> DailyStat {
        DailyStat(
            dayStart: try r.int64("day"), mean: try r.double("mean"), min: try r.double("min"), max: try r.double("max"), count: try r.int("count"),
            hours: try r.int("hours"), coverage: try r.double("coverage"), maxHourly: try r.double("max_hourly"))
    }
}

extension SQLStore: AirQualityStore {
    static func decodeAQI(_ r: SQLRow) throws -> StoredAQI {
        StoredAQI(
            station: try r.text("code"), t: try r.int64("t"),
            result: AQIResult(aqi: try r.int("aqi"), dominant: try r.text("dominant"), subindices: AQISubindexText.decode(try r.text("subindices"))))
    }

    public func aqiSeries(station: String, scale: AQIScale, resolution: AQIResolution, from: Int64, to: Int64) async throws -> [StoredAQI] {
        try await read { c in
            try await c.query(
                """
                SELECT st.code, a.t, a.aqi, a.dominant, a.subindices FROM aqi a JOIN stations st ON st.id = a.station_id
                WHERE st.code = \(station) AND a.scale = \(scale.rawValue) AND a.resolution = \(resolution.rawValue) AND a.t >= \(from) AND a.t <= \(to)
                ORDER BY a.t
                """
            ).map(Self.decodeAQI)
        }
    }

    public func latestAQI() async throws -> [StoredAQI] {
        try await read { c in
            try await c.query(
                """
                SELECT st.code, l.t, l.aqi, l.dominant, l.subindices FROM aqi_latest l JOIN stations st ON st.id = l.station_id
                WHERE st.active = 1 AND st.kind = 'ambient_air' ORDER BY st.code\(raw: c.dialect.bytewise)
                """
            ).map(Self.decodeAQI)
        }
    }

    public func exceedances(station: String?, from: Int64, to: Int64, afterID: Int64?, limit: Int) async throws -> [StoredExceedance] {
        try await read { c in
            var sql: SQL = """
                SELECT e.*, st.code FROM exceedances e JOIN series s ON s.id = e.series_id JOIN stations st ON st.id = s.station_id
                WHERE e."end" >= \(from) AND e.start <= \(to) AND e.id > \(afterID ?? 0)
                """
            if let station { sql += " AND st.code = \(station)" }
            sql += " ORDER BY e.id LIMIT \(limit)"
            return try await c.query(sql).map {
                StoredExceedance(id: try $0.int64("id"), station: try $0.text("code"), event: try Self.decodeEvent($0))
            }
        }
    }

    static func decodeEvent(_ r: SQLRow) throws -> ExceedanceEvent {
        ExceedanceEvent(
            parameter: try r.text("parameter"), period: AveragingPeriod(rawValue: try r.text("period")) ?? .hour1, start: try r.int64("start"),
            end: try r.int64("end"), peak: try r.double("peak"), peakTime: try r.int64("peak_time"), limit: try r.double("limit_value"),
            standard: try r.text("standard"))
    }
}

/// The `meta` keys the stores share.
enum RetentionKeys {
    /// The retention horizon of raw observations (seconds since 1970).
    static let horizon = "raw_horizon"
}
