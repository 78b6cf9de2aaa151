import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: DerivationStore {
    public func pendingDirty(limit: Int) async throws -> (maxSeq: Int64, marks: [DirtyMark]) {
        try await read { c in
            let rows = try await c.query("SELECT seq, series_id, hour_end FROM dirty ORDER BY seq LIMIT \(limit)")
            let marks = Set(try rows.map { DirtyMark(series: try $0.int64("series_id"), hourEnd: try $0.int64("hour_end")) })
            return (try rows.last?.int64("seq") ?? 0, Array(marks))
        }
    }

    static func decodeInfo(_ r: SQLRow) throws -> SeriesInfo {
        SeriesInfo(
            id: try r.int64("id"), stationID: try r.int64("station_id"), kind: StationKind(rawValue: try r.text("kind")) ?? .ambientAir,
            parameter: try r.text("parameter"), interval: try r.int("interval"),
            limits: StoredJSON.decode(FacilityLimitConfig.self, r.optionalText("limits")))
    }

    static let seriesInfoSelect: SQL =
        #"SELECT s.id, s.station_id, st.kind, s.parameter, s."interval", st.limits FROM series s JOIN stations st ON st.id = s.station_id"#

    public func seriesInfo(ids: [Int64]) async throws -> [SeriesInfo] {
        guard !ids.isEmpty else { return [] }
        return try await read { c in
            var out: [SeriesInfo] = []
            for part in stride(from: 0, to: ids.count, by: 500) {
                out += try await c.query(Self.seriesInfoSelect + " WHERE s.id IN (\(list: ids[part..<min(ids.count, part + 500)]))").map(
                    Self.decodeInfo)
            }
            return out
        }
    }

    public func seriesOfStations(_ ids: [Int64]) async throws -> [Int64: [SeriesInfo]] {
        guard !ids.isEmpty else { return [:] }
        return try await read { c in
            var out: [Int64: [SeriesInfo]] = [:]
            for part in stride(from: 0, to: ids.count, by: 500) {
                let infos = try await c.query(Self.seriesInfoSelect + " WHERE s.station_id IN (\(list: ids[part..<min(ids.count, part + 500)]))").map(
                    Self.decodeInfo)
                for i in infos { out[i.stationID, default: []].append(i) }
            }
            return out
        }
    }

    /// Rows for many series in one read: one statement per group of ranges with the same bounds; `decode` answers a
    /// row's series and value.
    func bySeries<T: Sendable>(
        _ ranges: [SeriesRange], _ statement: @Sendable (_ ids: ArraySlice<Int64>, _ from: Int64, _ to: Int64) -> SQL,
        decode: @escaping @Sendable (SQLRow) throws -> (Int64, T)
    ) async throws -> [Int64: [T]] {
        guard !ranges.isEmpty else { return [:] }
        return try await read { c in
            var out: [Int64: [T]] = [:]
            for g in SeriesRange.groups(ranges) {
                for r in try await c.query(statement(g.series[...], g.from, g.to)) {
                    let (series, v) = try decode(r)
                    out[series, default: []].append(v)
                }
            }
            return out
        }
    }

    public func qcPoints(_ ranges: [SeriesRange]) async throws -> [Int64: [(point: QCPoint, qc: StoredQC)]] {
        try await bySeries(ranges) { ids, from, to in
            "SELECT t, value, status, qc, series_id FROM observations WHERE series_id IN (\(list: ids)) AND t > \(from) AND t <= \(to) ORDER BY series_id, t"
        } decode: { r in
            (try r.int64("series_id"), try Self.point(r))
        }
    }

    public func overrides(_ ranges: [SeriesRange]) async throws -> [Int64: [QCOverride]] {
        try await bySeries(ranges) { ids, from, to in
            "SELECT * FROM qc_overrides WHERE series_id IN (\(list: ids)) AND t_to >= \(from) AND t_from <= \(to) ORDER BY id"
        } decode: { r in
            (try r.int64("series_id"), try Self.decodeOverride(r))
        }
    }

    static func decodeOverride(_ r: SQLRow) throws -> QCOverride {
        QCOverride(
            id: try r.int64("id"), from: try r.int64("t_from"), to: try r.int64("t_to"),
            flag: UInt8(exactly: try r.int("flag")).flatMap(QCFlag.init(rawValue:)) ?? .rejected,
            reason: try r.text("reason"), by: try r.text("by"), at: try r.int64("at"))
    }

    public func hourly(_ ranges: [SeriesRange]) async throws -> [Int64: [HourlyStat]] {
        try await bySeries(ranges) { ids, from, to in
            "SELECT series_id, t, mean, min, max, count, coverage FROM hourly WHERE series_id IN (\(list: ids)) AND t >= \(from) AND t <= \(to) ORDER BY series_id, t"
        } decode: { r in
            (
                try r.int64("series_id"),
                HourlyStat(
                    hourEnd: try r.int64("t"), mean: try r.double("mean"), min: try r.double("min"), max: try r.double("max"),
                    count: try r.int("count"),
                    coverage: try r.double("coverage"))
            )
        }
    }

    public func daily(_ ranges: [SeriesRange]) async throws -> [Int64: [DailyStat]] {
        try await bySeries(ranges) { ids, from, to in
            "SELECT * FROM daily WHERE series_id IN (\(list: ids)) AND day >= \(from) AND day <= \(to) ORDER BY series_id, day"
        } decode: { r in
            (try r.int64("series_id"), try Self.decodeDaily(r))
        }
    }

    public func events(_ ranges: [SeriesRange], period: AveragingPeriod) async throws -> [Int64: [(id: Int64, event: ExceedanceEvent)]] {
        try await bySeries(ranges) { ids, from, to in
            #"SELECT * FROM exceedances WHERE series_id IN (\#(list: ids)) AND period = \#(period.rawValue) AND "end" >= \#(from) AND start <= \#(to) ORDER BY series_id, start, id"#
        } decode: { r in
            (try r.int64("series_id"), (try r.int64("id"), try Self.decodeEvent(r)))
        }
    }

    public func apply(_ batch: DerivedBatch) async throws {
        try await write { c in
            let flags = batch.flags.flatMap { f in f.changes.map { [SQLValue.int(f.series), .int($0.t), .int(Int64($0.qc.raw))] } }
            for part in c.chunks(flags, columns: 3) {
                try await c.execute(
                    "UPDATE observations SET qc = v.column3 FROM \(SQL.values(Array(part), [.bigint, .bigint, .bigint])) AS v WHERE observations.series_id = v.column1 AND observations.t = v.column2"
                )
            }
            // Ranges of many series with the same bounds (a pass over series touched at one time step) are replaced with
            // one delete and one insert per table, not one of each per series.
            try await Self.replace(c, "hour_counts", "t", batch.counts.map { SeriesRange($0.series, $0.from, $0.to) })
            try await c.insertRows(
                into: "hour_counts", columns: ["series_id", "t", "received", "valid"],
                rows: batch.counts.flatMap { h in h.rows.map { [.int(h.series), .int($0.hourEnd), .int(Int64($0.received)), .int(Int64($0.valid))] } }
            )
            // Runs overlapping the recomputed range are replaced.
            for g in SeriesRange.groups(batch.deviceErrors.map { SeriesRange($0.series, $0.from, $0.to) }) {
                try await c.execute(
                    #"DELETE FROM station_events WHERE series_id IN (\#(list: g.series)) AND kind = 'device_error' AND start <= \#(g.to) AND ("end" IS NULL OR "end" >= \#(g.from))"#
                )
            }
            for d in batch.deviceErrors {
                for r in d.runs {
                    try await c.execute(
                        #"INSERT INTO station_events(station_id, series_id, kind, start, "end") SELECT station_id, id, 'device_error', \#(r.start), \#(r.end) FROM series WHERE id = \#(d.series)"#
                    )
                }
            }
            try await Self.replace(c, "hourly", "t", batch.hourly.map { SeriesRange($0.series, $0.from, $0.to) })
            try await c.insertRows(
                into: "hourly", columns: ["series_id", "t", "mean", "min", "max", "count", "coverage"],
                rows: batch.hourly.flatMap { h in
                    h.rows.map {
                        [
                            .int(h.series), .int($0.hourEnd), .double($0.mean), .double($0.min), .double($0.max), .int(Int64($0.count)),
                            .double($0.coverage),
                        ]
                    }
                })
            try await Self.replace(c, "daily", "day", batch.daily.map { SeriesRange($0.series, $0.from, $0.to) })
            try await c.insertRows(
                into: "daily", columns: ["series_id", "day", "mean", "min", "max", "count", "hours", "coverage", "max_hourly"],
                rows: batch.daily.flatMap { d in
                    d.rows.map {
                        [
                            .int(d.series), .int($0.dayStart), .double($0.mean), .double($0.min), .double($0.max), .int(Int64($0.count)),
                            .int(Int64($0.hours)), .double($0.coverage), .double($0.maxHourly),
                        ]
                    }
                })
            var reread = Set<Int64>()
            for scale in AQIScale.allCases {
                for resolution in AQIResolution.allCases {
                    let part = batch.aqi.filter { $0.scale == scale && $0.resolution == resolution }
                    for g in SeriesRange.groups(part.map { SeriesRange($0.stationID, $0.from, $0.to) }) {
                        try await c.execute(
                            "DELETE FROM aqi WHERE station_id IN (\(list: g.series)) AND scale = \(scale.rawValue) AND resolution = \(resolution.rawValue) AND t >= \(g.from) AND t <= \(g.to)"
                        )
                    }
                }
            }
            try await c.insertRows(
                into: "aqi", columns: ["station_id", "scale", "resolution", "t", "aqi", "dominant", "subindices"],
                rows: batch.aqi.flatMap { a in
                    a.rows.map {
                        [
                            .int(a.stationID), .text(a.scale.rawValue), .text(a.resolution.rawValue), .int($0.t), .int(Int64($0.result.aqi)),
                            .text($0.result.dominant), .text(AQISubindexText.encode($0.result.subindices)),
                        ]
                    }
                })
            // The live map's row per station: the newest hourly VN_AQI just written, where it is the newest; a
            // station whose stored latest hour was recomputed away without a newer one is read again.
            let hours = batch.aqi.filter { $0.scale == .vn && $0.resolution == .hour }
            var stored: [Int64: Int64] = [:]
            for part in stride(from: 0, to: hours.count, by: 500) {
                let ids = hours[part..<min(hours.count, part + 500)].map(\.stationID)
                for r in try await c.query("SELECT station_id, t FROM aqi_latest WHERE station_id IN (\(list: ids))") {
                    stored[try r.int64("station_id")] = try r.int64("t")
                }
            }
            var fresh: [[SQLValue]] = []
            for a in hours {
                let before = stored[a.stationID]
                if let newest = a.rows.max(by: { $0.t < $1.t }), newest.t >= (before ?? .min) {
                    fresh.append([
                        .int(a.stationID), .int(newest.t), .int(Int64(newest.result.aqi)), .text(newest.result.dominant),
                        .text(AQISubindexText.encode(newest.result.subindices)),
                    ])
                } else if let before, before >= a.from, before <= a.to {
                    reread.insert(a.stationID)
                }
            }
            try await c.insertRows(
                into: "aqi_latest", columns: ["station_id", "t", "aqi", "dominant", "subindices"], rows: fresh,
                conflict:
                    "ON CONFLICT(station_id) DO UPDATE SET t = excluded.t, aqi = excluded.aqi, dominant = excluded.dominant, subindices = excluded.subindices"
            )
            for station in reread.sorted() {
                try await c.execute("DELETE FROM aqi_latest WHERE station_id = \(station)")
                try await c.execute(
                    """
                    INSERT INTO aqi_latest(station_id, t, aqi, dominant, subindices)
                    SELECT station_id, t, aqi, dominant, subindices FROM aqi
                    WHERE station_id = \(station) AND scale = 'vn' AND resolution = 'hour' ORDER BY t DESC LIMIT 1
                    """)
            }
            for e in batch.events {
                for part in stride(from: 0, to: e.replace.count, by: 500) {
                    try await c.execute("DELETE FROM exceedances WHERE id IN (\(list: e.replace[part..<min(e.replace.count, part + 500)]))")
                }
                try await c.insertRows(
                    into: "exceedances",
                    columns: ["series_id", "parameter", "period", "start", "end", "peak", "peak_time", "limit_value", "standard"],
                    rows: e.rows.map {
                        [
                            .int(e.series), .text($0.parameter), .text($0.period.rawValue), .int($0.start), .int($0.end), .double($0.peak),
                            .int($0.peakTime),
                            .double($0.limit), .text($0.standard),
                        ]
                    })
            }
            if let seq = batch.clearDirtyUpTo { try await c.execute("DELETE FROM dirty WHERE seq <= \(seq)") }
        }
    }

    /// Deletes the rows of `table` in each series' closed range [from, to] of `time`, one statement per group of
    /// ranges with the same bounds.
    static func replace(_ c: any SQLConnection, _ table: String, _ time: String, _ ranges: [SeriesRange]) async throws {
        for g in SeriesRange.groups(ranges) {
            try await c.execute(
                "DELETE FROM \(raw: table) WHERE series_id IN (\(list: g.series)) AND \(raw: time) >= \(g.from) AND \(raw: time) <= \(g.to)")
        }
    }
}
