import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: FileLedgerStore {
    public func ingestFiles(_ files: [FileIngest]) async throws -> [FileIngestOutcome] {
        guard !files.isEmpty else { return [] }
        let now = now()
        return try await write { c in
            var out: [FileIngestOutcome] = []
            var rows: [ValidObservation] = []
            var record: [[SQLValue]] = []
            // Files already in the ledger, looked up by name in one statement per 500 files.
            var seen = Set<String>()
            for part in stride(from: 0, to: files.count, by: 500) {
                let names = files[part..<min(files.count, part + 500)].map(\.name)
                for r in try await c.query("SELECT name, fingerprint FROM file_ledger WHERE name IN (\(list: names))") {
                    seen.insert(try r.text("name") + "\u{0}" + r.text("fingerprint"))
                }
            }
            for f in files {
                let key = f.name + "\u{0}" + f.fingerprint
                if seen.contains(key) {
                    out.append(.duplicate)
                    continue
                }
                seen.insert(key)
                record.append([.text(f.name), .text(f.fingerprint), .int(Int64(f.rows.count)), .int(now)])
                rows.append(contentsOf: f.rows)
                out.append(.ingested(f.rows.count))
            }
            try await c.insertRows(into: "file_ledger", columns: ["name", "fingerprint", "rows", "at"], rows: record)
            if !rows.isEmpty { _ = try await self.ingest(rows, c) }
            return out
        }
    }

    public func ingestedFileCount() async throws -> Int {
        try await read { c in Int(try await c.scalar("SELECT count(*) FROM file_ledger").int64 ?? 0) }
    }

    public func fileNameMap() async throws -> [String: String] {
        try await read { c in
            Dictionary(
                try await c.query("SELECT name, station_code FROM file_names ORDER BY name LIMIT 100000").map {
                    (try $0.text("name"), try $0.text("station_code"))
                },
                uniquingKeysWith: { a, _ in a })
        }
    }

    public func mapFileName(_ name: String, toStation code: String?) async throws {
        try await write { c in
            guard let code else {
                try await c.execute("DELETE FROM file_names WHERE name = \(name)")
                return
            }
            guard try await c.exists("SELECT 1 FROM stations WHERE code = \(code)") else {
                throw StoreError.notFound("station '\(code)' does not exist")
            }
            try await c.execute(
                "INSERT INTO file_names(name, station_code) VALUES (\(name), \(code)) ON CONFLICT(name) DO UPDATE SET station_code = excluded.station_code"
            )
        }
    }
}

extension SQLStore: QualityStore {
    /// The series of a station's parameter (the code or an alias), or a 404 that lists what it measures.
    private func series(_ c: any SQLConnection, station: String, parameter: String) async throws -> Int64 {
        guard let stationID = try await c.scalar("SELECT id FROM stations WHERE code = \(station)").int64 else {
            throw StoreError.notFound("station '\(station)' does not exist")
        }
        let measured = try await c.query("SELECT parameter FROM series WHERE station_id = \(stationID) AND active = 1").map {
            try $0.text("parameter")
        }
        guard let p = reference.parameters.resolve(parameter, among: measured), measured.contains(p.code),
            let id = try await c.scalar("SELECT id FROM series WHERE station_id = \(stationID) AND parameter = \(p.code)").int64
        else {
            throw StoreError.notFound(
                "station '\(station)' does not measure '\(parameter)' (it measures: \(measured.sorted().joined(separator: ", ")))")
        }
        return id
    }

    public func addOverride(station: String, parameter: String, _ o: QCOverride) async throws -> QCOverride {
        try await write { c in
            let s = try await self.series(c, station: station, parameter: parameter)
            var out = o
            out.id = try await c.insertReturningID(
                #"INSERT INTO qc_overrides(series_id, t_from, t_to, flag, reason, "by", at) VALUES (\#(s), \#(o.from), \#(o.to), \#(Int(o.flag.rawValue)), \#(o.reason), \#(o.by), \#(o.at))"#
            )
            // Every hour the override covers is derived again.
            let hours = stride(from: Timestamps.hourEnd(o.from), through: Timestamps.hourEnd(o.to), by: Int(Timestamps.hour)).map {
                [SQLValue.int(s), .int($0)]
            }
            try await c.insertRows(into: "dirty", columns: ["series_id", "hour_end"], rows: hours)
            return out
        }
    }

    public func overrides(station: String, parameter: String?, from: Int64, to: Int64) async throws -> [(parameter: String, override: QCOverride)] {
        try await read { c in
            var sql: SQL = """
                SELECT o.*, s.parameter FROM qc_overrides o JOIN series s ON s.id = o.series_id JOIN stations st ON st.id = s.station_id
                WHERE st.code = \(station) AND o.t_to >= \(from) AND o.t_from <= \(to)
                """
            if let parameter { sql += " AND s.parameter = \(parameter)" }
            return try await c.query(sql + " ORDER BY o.id").map { (try $0.text("parameter"), try Self.decodeOverride($0)) }
        }
    }

    public func flaggedValues(series: [Int64], from: Int64, to: Int64, limit: Int) async throws -> [FlaggedValue] {
        guard !series.isEmpty, limit > 0 else { return [] }
        return try await read { c in
            var out: [FlaggedValue] = []
            // The primary key (series_id, t) serves each series' range; the list goes in chunks.
            for chunk in stride(from: 0, to: series.count, by: 500) where out.count < limit {
                let ids = series[chunk..<min(series.count, chunk + 500)]
                let rows = try await c.query(
                    """
                    SELECT series_id, t, value, qc FROM observations
                    WHERE series_id IN (\(list: ids)) AND t >= \(from) AND t <= \(to) AND qc BETWEEN 1 AND 127
                    ORDER BY series_id, t LIMIT \(limit - out.count)
                    """)
                for r in rows {
                    guard let v = r["value"].double else { continue }
                    let qc = StoredQC(raw: Int(truncatingIfNeeded: try r.int64("qc")))
                    out.append(FlaggedValue(series: try r.int64("series_id"), t: try r.int64("t"), value: v, flag: qc.flag))
                }
            }
            return out
        }
    }

    public func hourCounts(station: String, from: Int64, to: Int64) async throws -> [(parameter: String, interval: Int, counts: [HourCount])] {
        try await read { c in
            var out: [(parameter: String, interval: Int, counts: [HourCount])] = []
            for s in try await c.query(
                #"SELECT s.id, s.parameter, s."interval" FROM series s JOIN stations st ON st.id = s.station_id WHERE st.code = \#(station) AND s.active = 1 ORDER BY s.id"#
            ) {
                let counts = try await c.query(
                    "SELECT t, received, valid FROM hour_counts WHERE series_id = \(try s.int64("id")) AND t >= \(from) AND t <= \(to) ORDER BY t"
                ).map { HourCount(hourEnd: try $0.int64("t"), received: try $0.int("received"), valid: try $0.int("valid")) }
                out.append((try s.text("parameter"), try s.int("interval"), counts))
            }
            return out
        }
    }
}

extension SQLStore: StationEventStore {
    public func stationActivity() async throws -> [StationActivity] {
        try await read { c in
            try await c.query(
                """
                SELECT st.id, st.code, st.created_at, st.silence_after,
                  (SELECT MAX(last_t) FROM series WHERE station_id = st.id AND active = 1) AS last_t,
                  (SELECT start FROM station_events WHERE station_id = st.id AND kind = 'silent' AND "end" IS NULL) AS silent_since
                FROM stations st WHERE st.active = 1
                """
            ).map {
                StationActivity(
                    stationID: try $0.int64("id"), code: try $0.text("code"), lastRecord: try $0.optionalInt64("last_t"),
                    registered: try $0.int64("created_at"),
                    silenceAfter: try $0.optionalInt("silence_after") ?? Station.defaultSilenceAfter,
                    silentSince: try $0.optionalInt64("silent_since"))
            }
        }
    }

    public func openSilence(stationID: Int64, start: Int64) async throws {
        try await write { c in
            guard try await !c.exists(#"SELECT 1 FROM station_events WHERE station_id = \#(stationID) AND kind = 'silent' AND "end" IS NULL"#) else {
                return
            }
            try await c.execute("INSERT INTO station_events(station_id, kind, start) VALUES (\(stationID), 'silent', \(start))")
        }
    }

    public func closeSilence(stationID: Int64) async throws {
        let now = now()
        try await write { c in
            guard
                let ev = try await c.one(
                    #"SELECT id, start FROM station_events WHERE station_id = \#(stationID) AND kind = 'silent' AND "end" IS NULL"#)
            else { return }
            let start = try ev.int64("start")
            let first = try await c.scalar(
                "SELECT MIN((SELECT MIN(t) FROM observations WHERE series_id = s.id AND t > \(start))) FROM series s WHERE s.station_id = \(stationID)"
            ).int64
            try await c.execute(#"UPDATE station_events SET "end" = \#(first ?? now) WHERE id = \#(try ev.int64("id"))"#)
        }
    }

    public func stationEvents(station: String?, kind: StationEventKind?, from: Int64, to: Int64, limit: Int) async throws -> [StoredStationEvent] {
        try await read { c in
            var sql: SQL = """
                SELECT ev.*, st.code, s.parameter FROM station_events ev JOIN stations st ON st.id = ev.station_id
                LEFT JOIN series s ON s.id = ev.series_id WHERE ev.start <= \(to) AND (ev."end" IS NULL OR ev."end" >= \(from))
                """
            if let station { sql += " AND st.code = \(station)" }
            if let kind { sql += " AND ev.kind = \(kind.rawValue)" }
            sql += " ORDER BY ev.start DESC, ev.id DESC LIMIT \(limit)"
            return try await c.query(sql).map {
                StoredStationEvent(
                    id: try $0.int64("id"), station: try $0.text("code"),
                    event: StationEvent(
                        kind: StationEventKind(rawValue: try $0.text("kind")) ?? .silent, parameter: $0.optionalText("parameter"),
                        start: try $0.int64("start"),
                        end: try $0.optionalInt64("end")))
            }
        }
    }
}
