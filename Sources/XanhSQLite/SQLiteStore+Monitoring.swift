import Foundation
import GRDB
import XanhCore
import XanhStore

extension SQLiteStore: FileLedgerStore {
    public func ingestFiles(_ files: [FileIngest]) async throws -> [FileIngestOutcome] {
        guard !files.isEmpty else { return [] }
        return try await writer.write { db in
            let seen = try db.cachedStatement(sql: "SELECT 1 FROM file_ledger WHERE name = ? AND fingerprint = ?")
            let record = try db.cachedStatement(sql: "INSERT INTO file_ledger(name, fingerprint, rows, at) VALUES (?,?,?,?)")
            let now = Self.now()
            var out: [FileIngestOutcome] = []
            var rows: [ValidObservation] = []
            for f in files {
                if try Int.fetchOne(seen, arguments: [f.name, f.fingerprint]) != nil {
                    out.append(.duplicate)
                    continue
                }
                try record.execute(arguments: [f.name, f.fingerprint, f.rows.count, now])
                rows.append(contentsOf: f.rows)
                out.append(.ingested(f.rows.count))
            }
            if !rows.isEmpty { _ = try Self.ingest(rows, db) }
            return out
        }
    }

    public func ingestedFileCount() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM file_ledger") ?? 0 }
    }

    public func fileNameMap() async throws -> [String: String] {
        try await writer.read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT name, station_code FROM file_names").map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
        }
    }

    public func mapFileName(_ name: String, toStation code: String?) async throws {
        try await writer.write { db in
            if let code {
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM stations WHERE code = ?", arguments: [code]) != nil else {
                    throw StoreError.notFound("station '\(code)' does not exist")
                }
                try db.execute(
                    sql: "INSERT INTO file_names(name, station_code) VALUES (?,?) ON CONFLICT(name) DO UPDATE SET station_code = excluded.station_code",
                    arguments: [name, code])
            } else {
                try db.execute(sql: "DELETE FROM file_names WHERE name = ?", arguments: [name])
            }
        }
    }
}

extension SQLiteStore: QualityStore {
    private func series(_ db: Database, station: String, parameter: String) throws -> (id: Int64, code: String) {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, kind FROM stations WHERE code = ?", arguments: [station]) else {
            throw StoreError.notFound("station '\(station)' does not exist")
        }
        let measured = try String.fetchAll(db, sql: "SELECT parameter FROM series WHERE station_id = ? AND active = 1", arguments: [row[0] as Int64])
        guard let p = reference.parameters.resolve(parameter, among: measured), measured.contains(p.code),
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE station_id = ? AND parameter = ?", arguments: [row[0] as Int64, p.code])
        else {
            throw StoreError.notFound("station '\(station)' does not measure '\(parameter)' (it measures: \(measured.sorted().joined(separator: ", ")))")
        }
        return (id, p.code)
    }

    public func addOverride(station: String, parameter: String, _ o: QCOverride) async throws -> QCOverride {
        try await writer.write { db in
            let s = try self.series(db, station: station, parameter: parameter)
            try db.execute(
                sql: "INSERT INTO qc_overrides(series_id, t_from, t_to, flag, reason, by, at) VALUES (?,?,?,?,?,?,?)",
                arguments: [s.id, o.from, o.to, o.flag.rawValue, o.reason, o.by, o.at])
            var out = o
            out.id = db.lastInsertedRowID
            // Every hour the override covers is derived again.
            let mark = try db.cachedStatement(sql: "INSERT INTO dirty(series_id, hour_end) VALUES (?,?)")
            for h in stride(from: Timestamps.hourEnd(o.from), through: Timestamps.hourEnd(o.to), by: Int(Timestamps.hour)) {
                try mark.execute(arguments: [s.id, h])
            }
            return out
        }
    }

    public func overrides(station: String, parameter: String?, from: Int64, to: Int64) async throws -> [(parameter: String, override: QCOverride)] {
        try await writer.read { db in
            var sql = """
                SELECT o.*, s.parameter FROM qc_overrides o JOIN series s ON s.id = o.series_id JOIN stations st ON st.id = s.station_id
                WHERE st.code = ? AND o.t_to >= ? AND o.t_from <= ?
                """
            var args: [any DatabaseValueConvertible] = [station, from, to]
            if let parameter {
                sql += " AND s.parameter = ?"
                args.append(parameter)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY o.id", arguments: StatementArguments(args)).map { (($0["parameter"] as String), Self.decodeOverride($0)) }
        }
    }

    public func hourCounts(station: String, from: Int64, to: Int64) async throws -> [(parameter: String, interval: Int, counts: [HourCount])] {
        try await writer.read { db in
            let series = try Row.fetchAll(
                db, sql: "SELECT s.id, s.parameter, s.interval FROM series s JOIN stations st ON st.id = s.station_id WHERE st.code = ? AND s.active = 1 ORDER BY s.id",
                arguments: [station])
            return try series.map { s in
                let counts = try Row.fetchAll(
                    db, sql: "SELECT t, received, valid FROM hour_counts WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t",
                    arguments: [s[0] as Int64, from, to]
                ).map { HourCount(hourEnd: $0[0], received: $0[1], valid: $0[2]) }
                return (s[1], s[2], counts)
            }
        }
    }

    public func stationActivity() async throws -> [StationActivity] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT st.id, st.code, st.created_at, st.silence_after,
                      (SELECT MAX(last_t) FROM series WHERE station_id = st.id AND active = 1) AS last_t,
                      (SELECT start FROM station_events WHERE station_id = st.id AND kind = 'silent' AND "end" IS NULL) AS silent_since
                    FROM stations st WHERE st.active = 1
                    """
            ).map {
                StationActivity(
                    stationID: $0["id"], code: $0["code"], lastRecord: $0["last_t"], registered: $0["created_at"],
                    silenceAfter: $0["silence_after"] ?? Station.defaultSilenceAfter, silentSince: $0["silent_since"])
            }
        }
    }

    public func openSilence(stationID: Int64, start: Int64) async throws {
        try await writer.write { db in
            let open = try Int.fetchOne(
                db, sql: #"SELECT 1 FROM station_events WHERE station_id = ? AND kind = 'silent' AND "end" IS NULL"#, arguments: [stationID])
            guard open == nil else { return }
            try db.execute(sql: "INSERT INTO station_events(station_id, kind, start) VALUES (?, 'silent', ?)", arguments: [stationID, start])
        }
    }

    public func closeSilence(stationID: Int64) async throws {
        try await writer.write { db in
            guard let ev = try Row.fetchOne(
                db, sql: #"SELECT id, start FROM station_events WHERE station_id = ? AND kind = 'silent' AND "end" IS NULL"#, arguments: [stationID])
            else { return }
            let start: Int64 = ev["start"]
            let first = try Int64.fetchOne(
                db, sql: "SELECT MIN((SELECT MIN(t) FROM observations WHERE series_id = s.id AND t > ?)) FROM series s WHERE s.station_id = ?",
                arguments: [start, stationID])
            try db.execute(sql: #"UPDATE station_events SET "end" = ? WHERE id = ?"#, arguments: [first ?? Self.now(), ev["id"] as Int64])
        }
    }

    public func stationEvents(station: String?, kind: StationEventKind?, from: Int64, to: Int64, limit: Int) async throws -> [StoredStationEvent] {
        try await writer.read { db in
            var sql = """
                SELECT ev.*, st.code, s.parameter FROM station_events ev JOIN stations st ON st.id = ev.station_id
                LEFT JOIN series s ON s.id = ev.series_id WHERE ev.start <= ? AND (ev."end" IS NULL OR ev."end" >= ?)
                """
            var args: [any DatabaseValueConvertible] = [to, from]
            if let station {
                sql += " AND st.code = ?"
                args.append(station)
            }
            if let kind {
                sql += " AND ev.kind = ?"
                args.append(kind.rawValue)
            }
            sql += " ORDER BY ev.start DESC LIMIT ?"
            args.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
                StoredStationEvent(
                    id: $0["id"], station: $0["code"],
                    event: StationEvent(kind: StationEventKind(rawValue: $0["kind"]) ?? .silent, parameter: $0["parameter"], start: $0["start"], end: $0["end"]))
            }
        }
    }
}

extension SQLiteStore: AlertStore {
    public func createRule(_ r: AlertRule) async throws -> AlertRule {
        let problems = r.problems()
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        return try await writer.write { db in
            let scope = String(decoding: try JSONEncoder().encode(r.scope), as: UTF8.self)
            try db.execute(
                sql: "INSERT INTO alert_rules(name, kind, scope, aqi_at_least, minutes, active, created_at) VALUES (?,?,?,?,?,?,?)",
                arguments: [r.name, r.kind.rawValue, scope, r.aqiAtLeast, r.minutes, r.active, Self.now()])
            var out = r
            out.id = db.lastInsertedRowID
            return out
        }
    }

    public func rules() async throws -> [AlertRule] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert_rules ORDER BY id").map {
                AlertRule(
                    id: $0["id"], name: $0["name"], kind: AlertRuleKind(rawValue: $0["kind"]) ?? .exceedance,
                    scope: (try? JSONDecoder().decode(AlertScope.self, from: Data(($0["scope"] as String).utf8))) ?? AlertScope(),
                    aqiAtLeast: $0["aqi_at_least"], minutes: $0["minutes"], active: $0["active"])
            }
        }
    }

    public func deleteRule(id: Int64) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE alert_rules SET active = 0 WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound("alert rule \(id) does not exist") }
        }
    }

    public func createSubscription(_ s: Subscription) async throws -> Subscription {
        try await writer.write { db in
            if let r = s.rule, try Int.fetchOne(db, sql: "SELECT 1 FROM alert_rules WHERE id = ?", arguments: [r]) == nil {
                throw StoreError.invalid([.init(field: "rule", message: "alert rule \(r) does not exist")])
            }
            try db.execute(
                sql: "INSERT INTO subscriptions(rule_id, channel, target, secret, created_at) VALUES (?,?,?,?,?)",
                arguments: [s.rule, s.channel.rawValue, s.target, s.secret, Self.now()])
            var out = s
            out.id = db.lastInsertedRowID
            return out
        }
    }

    static func decodeSubscription(_ r: Row) -> Subscription {
        Subscription(id: r["sid"], rule: r["rule_id"], channel: Channel(rawValue: r["channel"]) ?? .webhook, target: r["target"], secret: r["secret"])
    }

    public func subscriptions() async throws -> [Subscription] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id AS sid, * FROM subscriptions WHERE active = 1 ORDER BY id").map(Self.decodeSubscription)
        }
    }

    public func alertConditions(since: Int64) async throws -> [AlertCondition] {
        try await writer.read { db in
            var out: [AlertCondition] = []
            // An exceedance is over when a later window has been derived (and not exceeded); derivation must be
            // up to date for the series, or the event may still grow.
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT e.*, st.code, st.facility_id, st.province,
                      (NOT EXISTS (SELECT 1 FROM dirty d WHERE d.series_id = e.series_id) AND CASE e.period
                        WHEN '24h' THEN EXISTS (SELECT 1 FROM daily WHERE series_id = e.series_id AND day >= e."end")
                        WHEN 'year' THEN 1
                        ELSE EXISTS (SELECT 1 FROM hourly WHERE series_id = e.series_id AND t > e."end") END) AS ended
                    FROM exceedances e JOIN series s ON s.id = e.series_id JOIN stations st ON st.id = s.station_id
                    WHERE e."end" >= ?
                    """, arguments: [since])
            {
                let ev = Self.decodeEvent(r)
                out.append(
                    AlertCondition(
                        kind: .exceedance, subjectKey: "exc:\(r["series_id"] as Int64):\(ev.period.rawValue):\(ev.start)",
                        subject: AlertSubject(station: r["code"] ?? "", facility: r["facility_id"], province: r["province"] ?? ""), parameter: ev.parameter,
                        start: ev.start, end: ev.end, open: !(r["ended"] as Bool), value: ev.peak, limit: ev.limit, standard: "\(ev.standard) \(ev.period.rawValue)"))
            }
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT ev.*, st.code, st.facility_id, st.province, s.parameter FROM station_events ev JOIN stations st ON st.id = ev.station_id
                    LEFT JOIN series s ON s.id = ev.series_id WHERE ev."end" IS NULL OR ev."end" >= ?
                    """, arguments: [since])
            {
                let kind = StationEventKind(rawValue: r["kind"]) ?? .silent
                let start: Int64 = r["start"]
                let key = kind == .silent ? "sil:\(r["code"] as String):\(start)" : "dev:\(r["series_id"] as Int64? ?? 0):\(start)"
                let end: Int64? = r["end"]
                out.append(
                    AlertCondition(
                        kind: kind == .silent ? .silent : .deviceError, subjectKey: key,
                        subject: AlertSubject(station: r["code"] ?? "", facility: r["facility_id"], province: r["province"] ?? ""), parameter: r["parameter"],
                        start: start, end: try end ?? (kind == .deviceError ? Self.lastRecord(db, series: r["series_id"]) : nil), open: end == nil))
            }
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT l.t, l.aqi, l.dominant, st.code, st.facility_id, st.province FROM aqi_latest l JOIN stations st ON st.id = l.station_id
                    WHERE st.active = 1 AND l.t >= ?
                    """, arguments: [since])
            {
                out.append(
                    AlertCondition(
                        kind: .aqi, subjectKey: "aqi:\(r["code"] as String)",
                        subject: AlertSubject(station: r["code"] ?? "", facility: r["facility_id"], province: r["province"] ?? ""), parameter: r["dominant"],
                        start: r["t"], end: nil, open: true, value: Double(r["aqi"] as Int), standard: "VN_AQI (Decision 1459/QĐ-TCMT)"))
            }
            return out
        }
    }

    private static func lastRecord(_ db: Database, series: Int64?) throws -> Int64? {
        guard let series else { return nil }
        return try Int64.fetchOne(db, sql: "SELECT last_t FROM series WHERE id = ?", arguments: [series])
    }

    public func openAlerts() async throws -> [OpenAlert] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, rule_id, subject FROM alerts WHERE closed_at IS NULL ORDER BY id").map {
                OpenAlert(id: $0[0], rule: $0[1], subjectKey: $0[2])
            }
        }
    }

    public func raisedKeys(subjects: [String]) async throws -> Set<String> {
        try await writer.read { db in
            var out = Set<String>()
            for chunk in stride(from: 0, to: subjects.count, by: 500) {
                let part = Array(subjects[chunk..<min(subjects.count, chunk + 500)])
                let ph = Array(repeating: "?", count: part.count).joined(separator: ",")
                for r in try Row.fetchAll(db, sql: "SELECT rule_id, subject FROM alerts WHERE subject IN (\(ph))", arguments: StatementArguments(part)) {
                    out.insert("\(r[0] as Int64)|\(r[1] as String)")
                }
            }
            return out
        }
    }

    public func applyAlerts(_ d: AlertDecisions, at now: Int64) async throws {
        guard !d.open.isEmpty || !d.close.isEmpty else { return }
        try await writer.write { db in
            let subs = try Row.fetchAll(db, sql: "SELECT id, rule_id FROM subscriptions WHERE active = 1")
            func log(alert: Int64, rule: Int64, event: String, payload: String) throws {
                try db.execute(sql: "INSERT INTO alert_log(alert_id, event, at, payload) VALUES (?,?,?,?)", arguments: [alert, event, now, payload])
                let seq = db.lastInsertedRowID
                for s in subs where (s["rule_id"] as Int64?) == nil || (s["rule_id"] as Int64?) == rule {
                    try db.execute(sql: "INSERT INTO outbox(log_seq, subscription_id, due_ms) VALUES (?,?,?)", arguments: [seq, s["id"] as Int64, now * 1000])
                }
            }
            for (rule, c) in d.open {
                guard let ruleID = rule.id else { continue }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO alerts(rule_id, subject, opened_at, payload) VALUES (?,?,?,'')", arguments: [ruleID, c.subjectKey, now])
                guard db.changesCount == 1 else { continue }  // already open
                let id = db.lastInsertedRowID
                let payload = AlertPayload.json(id: id, event: "opened", rule: rule, condition: c, at: now)
                try db.execute(sql: "UPDATE alerts SET payload = ? WHERE id = ?", arguments: [payload, id])
                try log(alert: id, rule: ruleID, event: "opened", payload: payload)
            }
            for (id, c) in d.close {
                guard let row = try Row.fetchOne(db, sql: "SELECT a.rule_id, a.payload FROM alerts a WHERE a.id = ?", arguments: [id]) else { continue }
                let ruleID: Int64 = row["rule_id"]
                try db.execute(sql: "UPDATE alerts SET closed_at = ? WHERE id = ?", arguments: [now, id])
                let payload = AlertPayload.closed(previous: row["payload"], condition: c, at: now)
                try log(alert: id, rule: ruleID, event: "closed", payload: payload)
            }
        }
    }

    public func alertLog(afterSeq: Int64, limit: Int) async throws -> [AlertLogEntry] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert_log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [afterSeq, limit]).map {
                AlertLogEntry(seq: $0["seq"], alertID: $0["alert_id"], event: $0["event"], at: $0["at"], payload: $0["payload"])
            }
        }
    }

    public func latestAlertSeq() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM alert_log") ?? 0 }
    }

    public func alerts(openOnly: Bool, limit: Int) async throws -> [StoredAlert] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alerts \(openOnly ? "WHERE closed_at IS NULL" : "") ORDER BY id DESC LIMIT ?", arguments: [limit]
            ).map {
                StoredAlert(id: $0["id"], rule: $0["rule_id"], subjectKey: $0["subject"], openedAt: $0["opened_at"], closedAt: $0["closed_at"], payload: $0["payload"])
            }
        }
    }

    public func dueDeliveries(nowMs: Int64, limit: Int) async throws -> [Delivery] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.id AS oid, o.attempts, s.id AS sid, s.rule_id, s.channel, s.target, s.secret,
                      l.seq, l.alert_id, l.event, l.at, l.payload
                    FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN alert_log l ON l.seq = o.log_seq
                    WHERE o.delivered_ms IS NULL AND o.gave_up_ms IS NULL AND o.due_ms <= ? ORDER BY o.due_ms, o.id LIMIT ?
                    """, arguments: [nowMs, limit]
            ).map {
                Delivery(
                    id: $0["oid"], subscription: Self.decodeSubscription($0),
                    entry: AlertLogEntry(seq: $0["seq"], alertID: $0["alert_id"], event: $0["event"], at: $0["at"], payload: $0["payload"]),
                    attempts: $0["attempts"])
            }
        }
    }

    public func recordAttempt(delivery: Int64, atMs: Int64, ok: Bool, detail: String, retryAtMs: Int64?) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO delivery_attempts(outbox_id, at_ms, ok, detail) VALUES (?,?,?,?)", arguments: [delivery, atMs, ok, detail])
            if ok {
                try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, delivered_ms = ? WHERE id = ?", arguments: [atMs, delivery])
            } else if let retryAtMs {
                try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, due_ms = ? WHERE id = ?", arguments: [retryAtMs, delivery])
            } else {
                try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, gave_up_ms = ? WHERE id = ?", arguments: [atMs, delivery])
            }
        }
    }

    public func attempts(delivery: Int64) async throws -> [DeliveryAttempt] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT at_ms, ok, detail FROM delivery_attempts WHERE outbox_id = ? ORDER BY id", arguments: [delivery]).map {
                DeliveryAttempt(atMs: $0[0], ok: $0[1], detail: $0[2])
            }
        }
    }
}
