import Foundation
import XanhCore
import XanhStore

extension PGStore: FileLedgerStore {
    public func ingestFiles(_ files: [FileIngest]) async throws -> [FileIngestOutcome] {
        guard !files.isEmpty else { return [] }
        try await ensurePartitions(for: files.lazy.flatMap { $0.rows.lazy.map(\.t) })
        return try await write { c in
            // One statement records every file; the ledger's key decides which are new (a resend, or a second
            // process with the same file, inserts nothing).
            let fresh = try await c.query(
                #"""
                INSERT INTO file_ledger(name, fingerprint, "rows", at)
                SELECT n, f, r, ? FROM unnest(?::text[], ?::text[], ?::bigint[]) AS v(n, f, r)
                ON CONFLICT DO NOTHING RETURNING name, fingerprint
                """#, [Self.now(), PGArg.texts(files.map(\.name)), PGArg.texts(files.map(\.fingerprint)), PGArg.ints(files.map { Int64($0.rows.count) })]
            ).rows.reduce(into: Set<String>()) { $0.insert($1[0].text! + "\u{0}" + $1[1].text!) }
            var out: [FileIngestOutcome] = []
            var rows: [ValidObservation] = []
            var seen = Set<String>()
            for f in files {
                // The same file twice in one batch counts once.
                let key = f.name + "\u{0}" + f.fingerprint
                guard fresh.contains(key), seen.insert(key).inserted else {
                    out.append(.duplicate)
                    continue
                }
                rows.append(contentsOf: f.rows)
                out.append(.ingested(f.rows.count))
            }
            if !rows.isEmpty { _ = try await Self.ingest(rows, c) }
            return out
        }
    }

    public func ingestedFileCount() async throws -> Int {
        try await read { c in try await c.scalar("SELECT count(*) FROM file_ledger").int ?? 0 }
    }

    public func fileNameMap() async throws -> [String: String] {
        try await read { c in
            Dictionary(
                try await c.query("SELECT name, station_code FROM file_names").rows.map { ($0[0].text!, $0[1].text!) }, uniquingKeysWith: { a, _ in a })
        }
    }

    public func mapFileName(_ name: String, toStation code: String?) async throws {
        try await write { c in
            if let code {
                guard try await !c.query("SELECT 1 FROM stations WHERE code = ?", [code]).rows.isEmpty else {
                    throw StoreError.notFound("station '\(code)' does not exist")
                }
                try await c.execute(
                    "INSERT INTO file_names(name, station_code) VALUES (?,?) ON CONFLICT(name) DO UPDATE SET station_code = excluded.station_code",
                    [name, code])
            } else {
                try await c.execute("DELETE FROM file_names WHERE name = ?", [name])
            }
        }
    }
}

extension PGStore: QualityStore {
    private func series(_ c: PGConn, station: String, parameter: String) async throws -> (id: Int64, code: String) {
        guard let stationID = try await c.scalar("SELECT id FROM stations WHERE code = ?", [station]).int64 else {
            throw StoreError.notFound("station '\(station)' does not exist")
        }
        let measured = try await c.query("SELECT parameter FROM series WHERE station_id = ? AND active = 1", [stationID]).rows.compactMap { $0[0].text }
        guard let p = reference.parameters.resolve(parameter, among: measured), measured.contains(p.code),
            let id = try await c.scalar("SELECT id FROM series WHERE station_id = ? AND parameter = ?", [stationID, p.code]).int64
        else {
            throw StoreError.notFound("station '\(station)' does not measure '\(parameter)' (it measures: \(measured.sorted().joined(separator: ", ")))")
        }
        return (id, p.code)
    }

    public func addOverride(station: String, parameter: String, _ o: QCOverride) async throws -> QCOverride {
        try await write { c in
            let s = try await self.series(c, station: station, parameter: parameter)
            var out = o
            out.id = try await c.scalar(
                #"INSERT INTO qc_overrides(series_id, t_from, t_to, flag, reason, "by", at) VALUES (?,?,?,?,?,?,?) RETURNING id"#,
                [s.id, o.from, o.to, Int(o.flag.rawValue), o.reason, o.by, o.at]
            ).int64!
            // Every hour the override covers is derived again.
            let hours = Array(stride(from: Timestamps.hourEnd(o.from), through: Timestamps.hourEnd(o.to), by: Int(Timestamps.hour)))
            try await c.execute("INSERT INTO dirty(series_id, hour_end) SELECT ?, * FROM unnest(?::bigint[])", [s.id, PGArg.ints(hours)])
            return out
        }
    }

    public func overrides(station: String, parameter: String?, from: Int64, to: Int64) async throws -> [(parameter: String, override: QCOverride)] {
        try await read { c in
            var sql = """
                SELECT o.*, s.parameter FROM qc_overrides o JOIN series s ON s.id = o.series_id JOIN stations st ON st.id = s.station_id
                WHERE st.code = ? AND o.t_to >= ? AND o.t_from <= ?
                """
            var args: [any PGArgConvertible] = [station, from, to]
            if let parameter {
                sql += " AND s.parameter = ?"
                args.append(parameter)
            }
            return try await c.records(sql + " ORDER BY o.id", args).map { ($0["parameter"].text!, Self.decodeOverride($0)) }
        }
    }

    public func hourCounts(station: String, from: Int64, to: Int64) async throws -> [(parameter: String, interval: Int, counts: [HourCount])] {
        try await read { c in
            let series = try await c.query(
                #"SELECT s.id, s.parameter, s."interval" FROM series s JOIN stations st ON st.id = s.station_id WHERE st.code = ? AND s.active = 1 ORDER BY s.id"#,
                [station]
            ).rows
            var out: [(parameter: String, interval: Int, counts: [HourCount])] = []
            for s in series {
                let counts = try await c.query(
                    "SELECT t, received, valid FROM hour_counts WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t", [s[0].int64!, from, to]
                ).rows.map { HourCount(hourEnd: $0[0].int64!, received: $0[1].int!, valid: $0[2].int!) }
                out.append((s[1].text!, s[2].int!, counts))
            }
            return out
        }
    }

    public func stationActivity() async throws -> [StationActivity] {
        try await read { c in
            try await c.records(
                """
                SELECT st.id, st.code, st.created_at, st.silence_after,
                  (SELECT MAX(last_t) FROM series WHERE station_id = st.id AND active = 1) AS last_t,
                  (SELECT start FROM station_events WHERE station_id = st.id AND kind = 'silent' AND "end" IS NULL LIMIT 1) AS silent_since
                FROM stations st WHERE st.active = 1
                """
            ).map {
                StationActivity(
                    stationID: $0["id"].int64!, code: $0["code"].text!, lastRecord: $0["last_t"].int64, registered: $0["created_at"].int64!,
                    silenceAfter: $0["silence_after"].int ?? Station.defaultSilenceAfter, silentSince: $0["silent_since"].int64)
            }
        }
    }

    public func openSilence(stationID: Int64, start: Int64) async throws {
        try await write { c in
            let open = try await c.query(#"SELECT 1 FROM station_events WHERE station_id = ? AND kind = 'silent' AND "end" IS NULL"#, [stationID])
            guard open.rows.isEmpty else { return }
            try await c.execute("INSERT INTO station_events(station_id, kind, start) VALUES (?, 'silent', ?)", [stationID, start])
        }
    }

    public func closeSilence(stationID: Int64) async throws {
        try await write { c in
            guard
                let ev = try await c.records(
                    #"SELECT id, start FROM station_events WHERE station_id = ? AND kind = 'silent' AND "end" IS NULL"#, [stationID]
                ).first
            else { return }
            let first = try await c.scalar(
                "SELECT MIN((SELECT MIN(t) FROM observations WHERE series_id = s.id AND t > ?)) FROM series s WHERE s.station_id = ?",
                [ev["start"].int64!, stationID]
            ).int64
            try await c.execute(#"UPDATE station_events SET "end" = ? WHERE id = ?"#, [first ?? Self.now(), ev["id"].int64!])
        }
    }

    public func stationEvents(station: String?, kind: StationEventKind?, from: Int64, to: Int64, limit: Int) async throws -> [StoredStationEvent] {
        try await read { c in
            var sql = """
                SELECT ev.*, st.code, s.parameter FROM station_events ev JOIN stations st ON st.id = ev.station_id
                LEFT JOIN series s ON s.id = ev.series_id WHERE ev.start <= ? AND (ev."end" IS NULL OR ev."end" >= ?)
                """
            var args: [any PGArgConvertible] = [to, from]
            if let station {
                sql += " AND st.code = ?"
                args.append(station)
            }
            if let kind {
                sql += " AND ev.kind = ?"
                args.append(kind.rawValue)
            }
            sql += " ORDER BY ev.start DESC, ev.id DESC LIMIT ?"
            args.append(limit)
            return try await c.records(sql, args).map {
                StoredStationEvent(
                    id: $0["id"].int64!, station: $0["code"].text!,
                    event: StationEvent(
                        kind: StationEventKind(rawValue: $0["kind"].text!) ?? .silent, parameter: $0["parameter"].text, start: $0["start"].int64!,
                        end: $0["end"].int64))
            }
        }
    }
}

extension PGStore: AlertStore {
    public func createRule(_ r: AlertRule) async throws -> AlertRule {
        let problems = r.problems()
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        return try await write { c in
            let scope = String(decoding: try JSONEncoder().encode(r.scope), as: UTF8.self)
            var out = r
            out.id = try await c.scalar(
                "INSERT INTO alert_rules(name, kind, scope, aqi_at_least, minutes, active, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                [r.name, r.kind.rawValue, scope, r.aqiAtLeast, r.minutes, r.active, Self.now()]
            ).int64
            return out
        }
    }

    public func rules() async throws -> [AlertRule] {
        try await read { c in
            try await c.records("SELECT * FROM alert_rules ORDER BY id").map {
                AlertRule(
                    id: $0["id"].int64, name: $0["name"].text!, kind: AlertRuleKind(rawValue: $0["kind"].text!) ?? .exceedance,
                    scope: (try? JSONDecoder().decode(AlertScope.self, from: Data($0["scope"].text!.utf8))) ?? AlertScope(),
                    aqiAtLeast: $0["aqi_at_least"].int, minutes: $0["minutes"].int, active: $0["active"].bool)
            }
        }
    }

    public func deleteRule(id: Int64) async throws {
        try await write { c in
            let n = try await c.changes("UPDATE alert_rules SET active = 0 WHERE id = ? RETURNING 1", [id])
            if n == 0 { throw StoreError.notFound("alert rule \(id) does not exist") }
        }
    }

    public func createSubscription(_ s: Subscription) async throws -> Subscription {
        try await write { c in
            if let r = s.rule, try await c.query("SELECT 1 FROM alert_rules WHERE id = ?", [r]).rows.isEmpty {
                throw StoreError.invalid([.init(field: "rule", message: "alert rule \(r) does not exist")])
            }
            var out = s
            out.id = try await c.scalar(
                "INSERT INTO subscriptions(rule_id, channel, target, secret, created_at) VALUES (?,?,?,?,?) RETURNING id",
                [s.rule, s.channel.rawValue, s.target, s.secret, Self.now()]
            ).int64
            return out
        }
    }

    static func decodeSubscription(_ r: SQLRecord) -> Subscription {
        Subscription(
            id: r["sid"].int64, rule: r["rule_id"].int64, channel: Channel(rawValue: r["channel"].text!) ?? .webhook, target: r["target"].text!,
            secret: r["secret"].text)
    }

    public func subscriptions() async throws -> [Subscription] {
        try await read { c in
            try await c.records("SELECT id AS sid, * FROM subscriptions WHERE active = 1 ORDER BY id").map(Self.decodeSubscription)
        }
    }

    public func alertConditions(since: Int64) async throws -> [AlertCondition] {
        try await read { c in
            var out: [AlertCondition] = []
            // An exceedance is over when a later window has been derived (and not exceeded); derivation must be
            // up to date for the series, or the event may still grow.
            for r in try await c.records(
                """
                SELECT e.*, st.code, st.facility_id, st.province,
                  (NOT EXISTS (SELECT 1 FROM dirty d WHERE d.series_id = e.series_id) AND CASE e.period
                    WHEN '24h' THEN EXISTS (SELECT 1 FROM daily WHERE series_id = e.series_id AND day >= e."end")
                    WHEN 'year' THEN TRUE
                    ELSE EXISTS (SELECT 1 FROM hourly WHERE series_id = e.series_id AND t > e."end") END) AS ended
                FROM exceedances e JOIN series s ON s.id = e.series_id JOIN stations st ON st.id = s.station_id
                WHERE e."end" >= ?
                """, [since])
            {
                let ev = Self.decodeEvent(r)
                out.append(
                    AlertCondition(
                        kind: .exceedance, subjectKey: "exc:\(r["series_id"].int64!):\(ev.period.rawValue):\(ev.start)",
                        subject: Self.subject(r), parameter: ev.parameter, start: ev.start, end: ev.end, open: !r["ended"].bool, value: ev.peak,
                        limit: ev.limit, standard: "\(ev.standard) \(ev.period.rawValue)"))
            }
            for r in try await c.records(
                """
                SELECT ev.*, st.code, st.facility_id, st.province, s.parameter, s.last_t FROM station_events ev JOIN stations st ON st.id = ev.station_id
                LEFT JOIN series s ON s.id = ev.series_id WHERE ev."end" IS NULL OR ev."end" >= ?
                """, [since])
            {
                let kind = StationEventKind(rawValue: r["kind"].text!) ?? .silent
                let start = r["start"].int64!
                let key = kind == .silent ? "sil:\(r["code"].text!):\(start)" : "dev:\(r["series_id"].int64 ?? 0):\(start)"
                let end = r["end"].int64
                out.append(
                    AlertCondition(
                        kind: kind == .silent ? .silent : .deviceError, subjectKey: key, subject: Self.subject(r), parameter: r["parameter"].text,
                        start: start, end: end ?? (kind == .deviceError ? r["last_t"].int64 : nil), open: end == nil))
            }
            for r in try await c.records(
                """
                SELECT l.t, l.aqi, l.dominant, st.code, st.facility_id, st.province FROM aqi_latest l JOIN stations st ON st.id = l.station_id
                WHERE st.active = 1 AND l.t >= ?
                """, [since])
            {
                out.append(
                    AlertCondition(
                        kind: .aqi, subjectKey: "aqi:\(r["code"].text!)", subject: Self.subject(r), parameter: r["dominant"].text, start: r["t"].int64!,
                        end: nil, open: true, value: r["aqi"].double, standard: "VN_AQI (Decision 1459/QĐ-TCMT)"))
            }
            return out
        }
    }

    private static func subject(_ r: SQLRecord) -> AlertSubject {
        AlertSubject(station: r["code"].text ?? "", facility: r["facility_id"].int64, province: r["province"].text ?? "")
    }

    public func openAlerts() async throws -> [OpenAlert] {
        try await read { c in
            try await c.query("SELECT id, rule_id, subject FROM alerts WHERE closed_at IS NULL ORDER BY id").rows.map {
                OpenAlert(id: $0[0].int64!, rule: $0[1].int64!, subjectKey: $0[2].text!)
            }
        }
    }

    public func raisedKeys(subjects: [String]) async throws -> Set<String> {
        guard !subjects.isEmpty else { return [] }
        return try await read { c in
            Set(
                try await c.query("SELECT rule_id, subject FROM alerts WHERE subject = ANY(?)", [PGArg.texts(subjects)]).rows.map {
                    "\($0[0].int64!)|\($0[1].text!)"
                })
        }
    }

    public func applyAlerts(_ d: AlertDecisions, at now: Int64) async throws {
        guard !d.open.isEmpty || !d.close.isEmpty else { return }
        try await write { c in
            let subs = try await c.records("SELECT id, rule_id FROM subscriptions WHERE active = 1")
            func log(alert: Int64, rule: Int64, event: String, payload: String) async throws {
                let seq = try await c.scalar(
                    "INSERT INTO alert_log(alert_id, event, at, payload) VALUES (?,?,?,?) RETURNING seq", [alert, event, now, payload]
                ).int64!
                for s in subs where s["rule_id"].int64 == nil || s["rule_id"].int64 == rule {
                    try await c.execute("INSERT INTO outbox(log_seq, subscription_id, due_ms) VALUES (?,?,?)", [seq, s["id"].int64!, now * 1000])
                }
            }
            for (rule, cond) in d.open {
                guard let ruleID = rule.id else { continue }
                guard
                    let id = try await c.scalar(
                        "INSERT INTO alerts(rule_id, subject, opened_at, payload) VALUES (?,?,?,'') ON CONFLICT DO NOTHING RETURNING id",
                        [ruleID, cond.subjectKey, now]
                    ).int64
                else { continue }  // already open
                let payload = AlertPayload.json(id: id, event: "opened", rule: rule, condition: cond, at: now)
                try await c.execute("UPDATE alerts SET payload = ? WHERE id = ?", [payload, id])
                try await log(alert: id, rule: ruleID, event: "opened", payload: payload)
            }
            for (id, cond) in d.close {
                guard let row = try await c.records("SELECT rule_id, payload FROM alerts WHERE id = ?", [id]).first else { continue }
                let ruleID = row["rule_id"].int64!
                try await c.execute("UPDATE alerts SET closed_at = ? WHERE id = ?", [now, id])
                let payload = AlertPayload.closed(previous: row["payload"].text!, condition: cond, at: now)
                try await log(alert: id, rule: ruleID, event: "closed", payload: payload)
            }
        }
    }

    public func alertLog(afterSeq: Int64, limit: Int) async throws -> [AlertLogEntry] {
        try await read { c in
            try await c.records("SELECT * FROM alert_log WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limit]).map(Self.decodeLogEntry)
        }
    }

    static func decodeLogEntry(_ r: SQLRecord) -> AlertLogEntry {
        AlertLogEntry(seq: r["seq"].int64!, alertID: r["alert_id"].int64!, event: r["event"].text!, at: r["at"].int64!, payload: r["payload"].text!)
    }

    public func latestAlertSeq() async throws -> Int64 {
        try await read { c in try await c.scalar("SELECT MAX(seq) FROM alert_log").int64 ?? 0 }
    }

    public func alerts(openOnly: Bool, limit: Int) async throws -> [StoredAlert] {
        try await read { c in
            try await c.records("SELECT * FROM alerts \(openOnly ? "WHERE closed_at IS NULL" : "") ORDER BY id DESC LIMIT ?", [limit]).map {
                StoredAlert(
                    id: $0["id"].int64!, rule: $0["rule_id"].int64!, subjectKey: $0["subject"].text!, openedAt: $0["opened_at"].int64!,
                    closedAt: $0["closed_at"].int64, payload: $0["payload"].text!)
            }
        }
    }

    public func dueDeliveries(nowMs: Int64, limit: Int) async throws -> [Delivery] {
        try await read { c in
            try await c.records(
                """
                SELECT o.id AS oid, o.attempts, s.id AS sid, s.rule_id, s.channel, s.target, s.secret,
                  l.seq, l.alert_id, l.event, l.at, l.payload
                FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN alert_log l ON l.seq = o.log_seq
                WHERE o.delivered_ms IS NULL AND o.gave_up_ms IS NULL AND o.due_ms <= ? ORDER BY o.due_ms, o.id LIMIT ?
                """, [nowMs, limit]
            ).map { Delivery(id: $0["oid"].int64!, subscription: Self.decodeSubscription($0), entry: Self.decodeLogEntry($0), attempts: $0["attempts"].int!) }
        }
    }

    public func recordAttempt(delivery: Int64, atMs: Int64, ok: Bool, detail: String, retryAtMs: Int64?) async throws {
        try await write { c in
            try await c.execute("INSERT INTO delivery_attempts(outbox_id, at_ms, ok, detail) VALUES (?,?,?,?)", [delivery, atMs, ok, detail])
            if ok {
                try await c.execute("UPDATE outbox SET attempts = attempts + 1, delivered_ms = ? WHERE id = ?", [atMs, delivery])
            } else if let retryAtMs {
                try await c.execute("UPDATE outbox SET attempts = attempts + 1, due_ms = ? WHERE id = ?", [retryAtMs, delivery])
            } else {
                try await c.execute("UPDATE outbox SET attempts = attempts + 1, gave_up_ms = ? WHERE id = ?", [atMs, delivery])
            }
        }
    }

    public func attempts(delivery: Int64) async throws -> [DeliveryAttempt] {
        try await read { c in
            try await c.query("SELECT at_ms, ok, detail FROM delivery_attempts WHERE outbox_id = ? ORDER BY id", [delivery]).rows.map {
                DeliveryAttempt(atMs: $0[0].int64!, ok: $0[1].bool, detail: $0[2].text!)
            }
        }
    }
}
