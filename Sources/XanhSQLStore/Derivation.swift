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

    public func seriesOfStation(_ stationID: Int64) async throws -> [SeriesInfo] {
        try await read { c in try await c.query(Self.seriesInfoSelect + " WHERE s.station_id = \(stationID)").map(Self.decodeInfo) }
    }

    public func qcPoints(series: Int64, from: Int64, to: Int64) async throws -> [(point: QCPoint, qc: StoredQC)] {
        try await read { c in
            try await Self.points(
                c, "SELECT t, value, status, qc FROM observations WHERE series_id = \(series) AND t > \(from) AND t <= \(to) ORDER BY t")
        }
    }

    public func overrides(series: Int64, from: Int64, to: Int64) async throws -> [QCOverride] {
        try await read { c in
            try await c.query("SELECT * FROM qc_overrides WHERE series_id = \(series) AND t_to >= \(from) AND t_from <= \(to) ORDER BY id").map(
                Self.decodeOverride)
        }
    }

    static func decodeOverride(_ r: SQLRow) throws -> QCOverride {
        QCOverride(
            id: try r.int64("id"), from: try r.int64("t_from"), to: try r.int64("t_to"),
            flag: UInt8(exactly: try r.int("flag")).flatMap(QCFlag.init(rawValue:)) ?? .rejected,
            reason: try r.text("reason"), by: try r.text("by"), at: try r.int64("at"))
    }

    public func hourly(series: Int64, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await read { c in try await Self.hourly(c, series: series, from: from, to: to) }
    }

    public func daily(series: Int64, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await read { c in try await Self.daily(c, series: series, from: from, to: to) }
    }

    public func events(series: Int64, period: AveragingPeriod, from: Int64, to: Int64) async throws -> [(id: Int64, event: ExceedanceEvent)] {
        try await read { c in
            try await c.query(
                #"SELECT * FROM exceedances WHERE series_id = \#(series) AND period = \#(period.rawValue) AND "end" >= \#(from) AND start <= \#(to) ORDER BY start, id"#
            ).map { (try $0.int64("id"), try Self.decodeEvent($0)) }
        }
    }

    public func apply(_ batch: DerivedBatch) async throws {
        try await write { c in
            for f in batch.flags where !f.changes.isEmpty {
                let rows = f.changes.map { [SQLValue.int($0.t), .int(Int64($0.qc.raw))] }
                for part in c.chunks(rows, columns: 2) {
                    try await c.execute(
                        "UPDATE observations SET qc = v.column2 FROM \(SQL.values(Array(part), [.bigint, .bigint])) AS v WHERE observations.series_id = \(f.series) AND observations.t = v.column1"
                    )
                }
            }
            for h in batch.counts {
                try await c.execute("DELETE FROM hour_counts WHERE series_id = \(h.series) AND t >= \(h.from) AND t <= \(h.to)")
                try await c.insertRows(
                    into: "hour_counts", columns: ["series_id", "t", "received", "valid"],
                    rows: h.rows.map { [.int(h.series), .int($0.hourEnd), .int(Int64($0.received)), .int(Int64($0.valid))] })
            }
            for d in batch.deviceErrors {
                // Runs overlapping the recomputed range are replaced.
                try await c.execute(
                    #"DELETE FROM station_events WHERE series_id = \#(d.series) AND kind = 'device_error' AND start <= \#(d.to) AND ("end" IS NULL OR "end" >= \#(d.from))"#
                )
                for r in d.runs {
                    try await c.execute(
                        #"INSERT INTO station_events(station_id, series_id, kind, start, "end") SELECT station_id, id, 'device_error', \#(r.start), \#(r.end) FROM series WHERE id = \#(d.series)"#
                    )
                }
            }
            for h in batch.hourly {
                try await c.execute("DELETE FROM hourly WHERE series_id = \(h.series) AND t >= \(h.from) AND t <= \(h.to)")
                try await c.insertRows(
                    into: "hourly", columns: ["series_id", "t", "mean", "min", "max", "count", "coverage"],
                    rows: h.rows.map {
                        [
                            .int(h.series), .int($0.hourEnd), .double($0.mean), .double($0.min), .double($0.max), .int(Int64($0.count)),
                            .double($0.coverage),
                        ]
                    })
            }
            for d in batch.daily {
                try await c.execute("DELETE FROM daily WHERE series_id = \(d.series) AND day >= \(d.from) AND day <= \(d.to)")
                try await c.insertRows(
                    into: "daily", columns: ["series_id", "day", "mean", "min", "max", "count", "hours", "coverage", "max_hourly"],
                    rows: d.rows.map {
                        [
                            .int(d.series), .int($0.dayStart), .double($0.mean), .double($0.min), .double($0.max), .int(Int64($0.count)),
                            .int(Int64($0.hours)),
                            .double($0.coverage), .double($0.maxHourly),
                        ]
                    })
            }
            var latest = Set<Int64>()
            for a in batch.aqi {
                try await c.execute(
                    "DELETE FROM aqi WHERE station_id = \(a.stationID) AND scale = \(a.scale.rawValue) AND resolution = \(a.resolution.rawValue) AND t >= \(a.from) AND t <= \(a.to)"
                )
                try await c.insertRows(
                    into: "aqi", columns: ["station_id", "scale", "resolution", "t", "aqi", "dominant", "subindices"],
                    rows: a.rows.map {
                        [
                            .int(a.stationID), .text(a.scale.rawValue), .text(a.resolution.rawValue), .int($0.t), .int(Int64($0.result.aqi)),
                            .text($0.result.dominant),
                            .text(AQISubindexText.encode($0.result.subindices)),
                        ]
                    })
                if a.scale == .vn && a.resolution == .hour { latest.insert(a.stationID) }
            }
            for station in latest.sorted() {
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
}
