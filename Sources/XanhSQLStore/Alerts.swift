import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: AlertRuleStore {
    public func createRule(_ r: AlertRule) async throws -> AlertRule {
        let now = now()
        return try await write { c in
            var out = r
            out.id = try await c.insertReturningID(
                """
                INSERT INTO alert_rules(name, kind, scope, aqi_at_least, minutes, active, created_at)
                VALUES (\(r.name), \(r.kind.rawValue), \(StoredJSON.encode(r.scope)), \(r.aqiAtLeast), \(r.minutes), \(r.active), \(now))
                """)
            return out
        }
    }

    public func rules() async throws -> [AlertRule] {
        try await read { c in
            try await c.query("SELECT * FROM alert_rules ORDER BY id").map {
                AlertRule(
                    id: try $0.int64("id"), name: try $0.text("name"), kind: AlertRuleKind(rawValue: try $0.text("kind")) ?? .exceedance,
                    scope: StoredJSON.decode(AlertScope.self, $0.optionalText("scope")) ?? AlertScope(),
                    aqiAtLeast: try $0.optionalInt("aqi_at_least"),
                    minutes: try $0.optionalInt("minutes"), active: try $0.bool("active"))
            }
        }
    }

    public func deleteRule(id: Int64) async throws {
        try await write { c in
            if try await c.execute("UPDATE alert_rules SET active = 0 WHERE id = \(id)") == 0 {
                throw StoreError.notFound("alert rule \(id) does not exist")
            }
        }
    }

    public func createSubscription(_ s: Subscription) async throws -> Subscription {
        let now = now()
        return try await write { c in
            if let r = s.rule, try await !c.exists("SELECT 1 FROM alert_rules WHERE id = \(r)") {
                throw StoreError.invalid([.init(field: "rule", message: "alert rule \(r) does not exist")])
            }
            var out = s
            out.id = try await c.insertReturningID(
                "INSERT INTO subscriptions(rule_id, channel, target, secret, created_at) VALUES (\(s.rule), \(s.channel.rawValue), \(s.target), \(s.secret), \(now))"
            )
            return out
        }
    }

    static func decodeSubscription(_ r: SQLRow) throws -> Subscription {
        Subscription(
            id: try r.int64("sid"), rule: try r.optionalInt64("rule_id"), channel: Channel(rawValue: try r.text("channel")) ?? .webhook,
            target: try r.text("target"), secret: r.optionalText("secret"))
    }

    public func subscriptions() async throws -> [Subscription] {
        try await read { c in
            try await c.query("SELECT id AS sid, rule_id, channel, target, secret FROM subscriptions WHERE active = 1 ORDER BY id").map(
                Self.decodeSubscription)
        }
    }
}

extension SQLStore: AlertStateStore {
    public func alertConditions(since: Int64) async throws -> [AlertCondition] {
        try await read { c in
            var out: [AlertCondition] = []
            func subject(_ r: SQLRow) throws -> AlertSubject {
                AlertSubject(
                    station: r.optionalText("code") ?? "", facility: try r.optionalInt64("facility_id"), province: r.optionalText("province") ?? "")
            }
            // An exceedance is over when a later window has been derived (and not exceeded); derivation must be up to
            // date for the series, or the event may still grow.
            for r in try await c.query(
                """
                SELECT e.*, st.code, st.facility_id, st.province,
                  CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.series_id = e.series_id) THEN 0 ELSE CASE e.period
                    WHEN '24h' THEN CASE WHEN EXISTS (SELECT 1 FROM daily WHERE series_id = e.series_id AND day >= e."end") THEN 1 ELSE 0 END
                    WHEN 'year' THEN 1
                    ELSE CASE WHEN EXISTS (SELECT 1 FROM hourly WHERE series_id = e.series_id AND t > e."end") THEN 1 ELSE 0 END END END AS ended
                FROM exceedances e JOIN series s ON s.id = e.series_id JOIN stations st ON st.id = s.station_id
                WHERE e."end" >= \(since)
                """)
            {
                let ev = try Self.decodeEvent(r)
                out.append(
                    AlertCondition(
                        kind: .exceedance, subjectKey: "exc:\(try r.int64("series_id")):\(ev.period.rawValue):\(ev.start)", subject: try subject(r),
                        parameter: ev.parameter, start: ev.start, end: ev.end, open: try r.int64("ended") == 0, value: ev.peak, limit: ev.limit,
                        standard: "\(ev.standard) \(ev.period.rawValue)"))
            }
            for r in try await c.query(
                """
                SELECT ev.*, st.code, st.facility_id, st.province, s.parameter, s.last_t FROM station_events ev JOIN stations st ON st.id = ev.station_id
                LEFT JOIN series s ON s.id = ev.series_id WHERE ev."end" IS NULL OR ev."end" >= \(since)
                """)
            {
                let kind = StationEventKind(rawValue: try r.text("kind")) ?? .silent
                let start = try r.int64("start")
                let key = kind == .silent ? "sil:\(r.optionalText("code") ?? ""):\(start)" : "dev:\(try r.optionalInt64("series_id") ?? 0):\(start)"
                let end = try r.optionalInt64("end")
                out.append(
                    AlertCondition(
                        kind: kind == .silent ? .silent : .deviceError, subjectKey: key, subject: try subject(r),
                        parameter: r.optionalText("parameter"),
                        start: start, end: try end ?? (kind == .deviceError ? r.optionalInt64("last_t") : nil), open: end == nil))
            }
            for r in try await c.query(
                """
                SELECT l.t, l.aqi, l.dominant, st.code, st.facility_id, st.province FROM aqi_latest l JOIN stations st ON st.id = l.station_id
                WHERE st.active = 1 AND l.t >= \(since)
                """)
            {
                out.append(
                    AlertCondition(
                        kind: .aqi, subjectKey: "aqi:\(r.optionalText("code") ?? "")", subject: try subject(r), parameter: r.optionalText("dominant"),
                        start: try r.int64("t"), end: nil, open: true, value: Double(try r.int("aqi")), standard: "VN_AQI (Decision 1459/QĐ-TCMT)"))
            }
            return out
        }
    }

    public func openAlerts() async throws -> [OpenAlert] {
        try await read { c in
            try await c.query("SELECT id, rule_id, subject FROM alerts WHERE closed_at IS NULL ORDER BY id").map {
                OpenAlert(id: try $0.int64("id"), rule: try $0.int64("rule_id"), subjectKey: try $0.text("subject"))
            }
        }
    }

    public func raisedKeys(subjects: [String]) async throws -> Set<String> {
        try await read { c in
            var out = Set<String>()
            for chunk in stride(from: 0, to: subjects.count, by: 500) {
                for r in try await c.query(
                    "SELECT rule_id, subject FROM alerts WHERE subject IN (\(list: subjects[chunk..<min(subjects.count, chunk + 500)]))")
                {
                    out.insert("\(try r.int64("rule_id"))|\(try r.text("subject"))")
                }
            }
            return out
        }
    }

    public func applyAlerts(_ d: AlertDecisions, at now: Int64) async throws {
        guard !d.open.isEmpty || !d.close.isEmpty else { return }
        try await write { c in
            let subs = try await c.query("SELECT id, rule_id FROM subscriptions WHERE active = 1").map {
                (try $0.int64("id"), try $0.optionalInt64("rule_id"))
            }
            func log(alert: Int64, rule: Int64, event: String, payload: String) async throws {
                let seq =
                    try await c.scalar(
                        "INSERT INTO alert_log(alert_id, event, at, payload) VALUES (\(alert), \(event), \(now), \(payload)) RETURNING seq"
                    ).int64 ?? 0
                let rows = subs.filter { $0.1 == nil || $0.1 == rule }.map { [SQLValue.int(seq), .int($0.0), .int(now * 1000)] }
                try await c.insertRows(into: "outbox", columns: ["log_seq", "subscription_id", "due_ms"], rows: rows)
            }
            for (rule, cond) in d.open {
                guard let ruleID = rule.id else { continue }
                // One open alert per rule and subject (a unique partial index); an alert already open is left alone.
                guard
                    let id = try await c.scalar(
                        "INSERT INTO alerts(rule_id, subject, opened_at, payload) VALUES (\(ruleID), \(cond.subjectKey), \(now), '') ON CONFLICT DO NOTHING RETURNING id"
                    ).int64
                else { continue }
                let payload = AlertPayload.json(id: id, event: "opened", rule: rule, condition: cond, at: now)
                try await c.execute("UPDATE alerts SET payload = \(payload) WHERE id = \(id)")
                try await log(alert: id, rule: ruleID, event: "opened", payload: payload)
            }
            for (id, cond) in d.close {
                guard let row = try await c.one("SELECT rule_id, payload FROM alerts WHERE id = \(id)") else { continue }
                try await c.execute("UPDATE alerts SET closed_at = \(now) WHERE id = \(id)")
                let payload = AlertPayload.closed(previous: try row.text("payload"), condition: cond, at: now)
                try await log(alert: id, rule: try row.int64("rule_id"), event: "closed", payload: payload)
            }
        }
    }

    static func decodeLog(_ r: SQLRow) throws -> AlertLogEntry {
        AlertLogEntry(
            seq: try r.int64("seq"), alertID: try r.int64("alert_id"), event: try r.text("event"), at: try r.int64("at"),
            payload: try r.text("payload"))
    }

    public func alertLog(afterSeq: Int64, limit: Int) async throws -> [AlertLogEntry] {
        try await read { c in try await c.query("SELECT * FROM alert_log WHERE seq > \(afterSeq) ORDER BY seq LIMIT \(limit)").map(Self.decodeLog) }
    }

    public func latestAlertSeq() async throws -> Int64 {
        try await read { c in try await c.scalar("SELECT MAX(seq) FROM alert_log").int64 ?? 0 }
    }

    static func decodeAlert(_ r: SQLRow) throws -> StoredAlert {
        StoredAlert(
            id: try r.int64("id"), rule: try r.int64("rule_id"), subjectKey: try r.text("subject"), openedAt: try r.int64("opened_at"),
            closedAt: try r.optionalInt64("closed_at"), payload: try r.text("payload"), acknowledgedBy: r.optionalText("acknowledged_by"),
            acknowledgedAt: try r.optionalInt64("acknowledged_at"), assignee: r.optionalText("assignee"), closedBy: r.optionalText("closed_by"))
    }

    public func alerts(openOnly: Bool, limit: Int) async throws -> [StoredAlert] {
        try await read { c in
            try await c.query("SELECT * FROM alerts \(raw: openOnly ? "WHERE closed_at IS NULL" : "") ORDER BY id DESC LIMIT \(limit)").map(
                Self.decodeAlert)
        }
    }

    public func alerts(since: Int64, limit: Int) async throws -> [StoredAlert] {
        try await read { c in
            try await c.query("SELECT * FROM alerts WHERE opened_at >= \(since) OR closed_at IS NULL ORDER BY id DESC LIMIT \(limit)").map(
                Self.decodeAlert)
        }
    }

    public func alert(id: Int64) async throws -> StoredAlert? {
        try await read { c in try await c.one("SELECT * FROM alerts WHERE id = \(id)").map(Self.decodeAlert) }
    }

    public func handleAlert(_ a: AlertAction) async throws -> StoredAlert? {
        try await write { c in
            guard let row = try await c.one("SELECT * FROM alerts WHERE id = \(a.alert)") else { return nil }
            let n = (try await c.scalar("SELECT MAX(n) FROM alert_actions WHERE alert_id = \(a.alert)").int64 ?? 0) + 1
            let comment = a.comment
            try await c.execute(
                """
                INSERT INTO alert_actions(alert_id, n, kind, actor, assignee, comment, at)
                VALUES (\(a.alert), \(n), \(a.kind.rawValue), \(a.actor), \(a.assignee), \(comment), \(a.at))
                """)
            switch a.kind {
            case .acknowledge:
                try await c.execute(
                    "UPDATE alerts SET acknowledged_by = \(a.actor), acknowledged_at = \(a.at) WHERE id = \(a.alert) AND acknowledged_at IS NULL")
            case .assign:
                try await c.execute("UPDATE alerts SET assignee = \(a.assignee) WHERE id = \(a.alert)")
            case .close:
                let closed = try await c.execute(
                    "UPDATE alerts SET closed_at = \(a.at), closed_by = \(a.actor) WHERE id = \(a.alert) AND closed_at IS NULL")
                if closed > 0 {
                    // Receivers hear of it as of any closing, with who closed it and why.
                    var payload = AlertPayload.closed(previous: try row.text("payload"), condition: nil, at: a.at)
                    payload = AlertPayload.closedBy(payload, person: a.actor, note: comment ?? "")
                    let seq =
                        try await c.scalar(
                            "INSERT INTO alert_log(alert_id, event, at, payload) VALUES (\(a.alert), 'closed', \(a.at), \(payload)) RETURNING seq"
                        ).int64 ?? 0
                    let rule = try row.int64("rule_id")
                    let rows = try await c.query("SELECT id, rule_id FROM subscriptions WHERE active = 1").compactMap { r -> [SQLValue]? in
                        let sub = try r.optionalInt64("rule_id")
                        return sub == nil || sub == rule ? [.int(seq), .int(try r.int64("id")), .int(a.at * 1000)] : nil
                    }
                    try await c.insertRows(into: "outbox", columns: ["log_seq", "subscription_id", "due_ms"], rows: rows)
                }
            case .comment: break
            }
            return try await c.one("SELECT * FROM alerts WHERE id = \(a.alert)").map(Self.decodeAlert)
        }
    }

    public func alertActions(alert: Int64, limit: Int) async throws -> [AlertActionRecord] {
        try await read { c in
            try await c.query("SELECT * FROM alert_actions WHERE alert_id = \(alert) ORDER BY n LIMIT \(limit)").compactMap { r in
                guard let kind = AlertActionKind(rawValue: try r.text("kind")) else { return nil }
                return AlertActionRecord(
                    alert: alert, n: try r.int("n"), kind: kind, actor: try r.text("actor"), assignee: r.optionalText("assignee"),
                    comment: r.optionalText("comment"), at: try r.int64("at"))
            }
        }
    }
}

extension SQLStore: OutboxStore {
    public func dueDeliveries(nowMs: Int64, limit: Int) async throws -> [Delivery] {
        try await read { c in
            try await c.query(
                """
                SELECT o.id AS oid, o.attempts, s.id AS sid, s.rule_id, s.channel, s.target, s.secret, l.seq, l.alert_id, l.event, l.at, l.payload
                FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN alert_log l ON l.seq = o.log_seq
                WHERE o.delivered_ms IS NULL AND o.gave_up_ms IS NULL AND o.due_ms <= \(nowMs) ORDER BY o.due_ms, o.id LIMIT \(limit)
                """
            ).map {
                Delivery(
                    id: try $0.int64("oid"), subscription: try Self.decodeSubscription($0), entry: try Self.decodeLog($0),
                    attempts: try $0.int("attempts"))
            }
        }
    }

    public func recordAttempt(delivery: Int64, atMs: Int64, ok: Bool, detail: String, retryAtMs: Int64?) async throws {
        try await write { c in
            try await c.execute("INSERT INTO delivery_attempts(outbox_id, at_ms, ok, detail) VALUES (\(delivery), \(atMs), \(ok), \(detail))")
            if ok {
                try await c.execute("UPDATE outbox SET attempts = attempts + 1, delivered_ms = \(atMs) WHERE id = \(delivery)")
            } else if let retryAtMs {
                try await c.execute("UPDATE outbox SET attempts = attempts + 1, due_ms = \(retryAtMs) WHERE id = \(delivery)")
            } else {
                try await c.execute("UPDATE outbox SET attempts = attempts + 1, gave_up_ms = \(atMs) WHERE id = \(delivery)")
            }
        }
    }

    public func attempts(delivery: Int64) async throws -> [DeliveryAttempt] {
        try await read { c in
            try await c.query("SELECT at_ms, ok, detail FROM delivery_attempts WHERE outbox_id = \(delivery) ORDER BY id").map {
                DeliveryAttempt(atMs: try $0.int64("at_ms"), ok: try $0.bool("ok"), detail: try $0.text("detail"))
            }
        }
    }
}
