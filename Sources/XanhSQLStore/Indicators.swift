import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: AdminUnitStore {
    static func upsert(_ units: [AdminUnit], _ c: any SQLConnection) async throws {
        // The last of several rows with one id wins (PostgreSQL refuses one statement that changes a row twice).
        var seen = Set<String>()
        let units = units.reversed().filter { seen.insert($0.id).inserted }.reversed()
        try await c.insertRows(
            into: "admin_units", columns: ["id", "code", "name_vi", "name_en", "level", "parent", "valid_from", "valid_to", "successor"],
            rows: units.map {
                [
                    .text($0.id), .text($0.code), .text($0.nameVi), .text($0.nameEn), .text($0.level.rawValue), $0.parent.sqlValue,
                    $0.validFrom.sqlValue,
                    $0.validTo.sqlValue, $0.successor.sqlValue,
                ]
            },
            conflict: """
                ON CONFLICT(id) DO UPDATE SET code = excluded.code, name_vi = excluded.name_vi, name_en = excluded.name_en, level = excluded.level,
                  parent = excluded.parent, valid_from = excluded.valid_from, valid_to = excluded.valid_to, successor = excluded.successor
                """)
    }

    public func adminUnits() async throws -> [AdminUnit] {
        try await read { c in
            try await c.query(
                "SELECT id, code, name_vi, name_en, level, parent, valid_from, valid_to, successor FROM admin_units ORDER BY id\(raw: c.dialect.bytewise)"
            ).map {
                AdminUnit(
                    id: try $0.text("id"), code: try $0.text("code"), nameVi: try $0.text("name_vi"), nameEn: try $0.text("name_en"),
                    level: AdminUnit.Level(rawValue: try $0.text("level")) ?? .commune, parent: $0.optionalText("parent"),
                    validFrom: $0.optionalText("valid_from"),
                    validTo: $0.optionalText("valid_to"), successor: $0.optionalText("successor"))
            }
        }
    }

    public func upsertUnits(_ units: [AdminUnit]) async throws {
        try await write { c in try await Self.upsert(units, c) }
    }

    public func setBoundary(unit: String, geoJSON: String, outline: String?) async throws {
        try await write { c in
            if try await c.execute("UPDATE admin_units SET boundary = \(geoJSON), outline = \(outline) WHERE id = \(unit)") == 0 {
                throw StoreError.notFound("unit '\(unit)' does not exist")
            }
        }
    }

    public func boundary(unit: String) async throws -> String? {
        try await read { c in try await c.scalar("SELECT boundary FROM admin_units WHERE id = \(unit)").text }
    }

    public func outlines() async throws -> [String: String] {
        try await read { c in
            var out: [String: String] = [:]
            for r in try await c.query("SELECT id, outline FROM admin_units WHERE outline IS NOT NULL") {
                if let o = r.optionalText("outline") { out[try r.text("id")] = o }
            }
            return out
        }
    }
}

extension SQLStore: IndicatorCatalogueStore {
    public func indicators() async throws -> [Indicator] {
        try await read { c in
            try await c.query("SELECT definition FROM indicators ORDER BY code\(raw: c.dialect.bytewise)").compactMap {
                StoredJSON.decode(Indicator.self, $0.optionalText("definition"))
            }
        }
    }

    public func upsertIndicator(_ i: Indicator) async throws {
        try await write { c in
            try await c.execute(
                "INSERT INTO indicators(code, definition) VALUES (\(i.code), \(StoredJSON.encode(i))) ON CONFLICT(code) DO UPDATE SET definition = excluded.definition"
            )
        }
    }
}

extension SQLStore: IndicatorValueStore {
    public func changeValues(_ keys: [ValueKey], decide: @Sendable ([ValueKey: ValueState]) throws -> [ValueChange]) async throws {
        try await write { c in
            var current: [ValueKey: ValueState] = [:]
            for k in Set(keys) {
                if let r = try await c.one(
                    "SELECT status, value, numerator, denominator FROM indicator_values WHERE indicator = \(k.indicator) AND unit = \(k.unit) AND period = \(k.period)"
                ) {
                    current[k] = ValueState(
                        status: ValueStatus(rawValue: try r.text("status")) ?? .draft, value: try r.optionalDouble("value"),
                        numerator: try r.optionalDouble("numerator"), denominator: try r.optionalDouble("denominator"))
                }
            }
            var history: [[SQLValue]] = []
            for ch in try decide(current) {
                let k = ch.key
                let old = current[k]
                if let f = ch.fields {
                    try await c.execute(
                        """
                        INSERT INTO indicator_values(indicator, unit, period, value, numerator, denominator, status, updated_by, updated_at)
                        VALUES (\(k.indicator), \(k.unit), \(k.period), \(f.value), \(f.numerator), \(f.denominator), \(ch.status.rawValue), \(ch.by), \(ch.at))
                        ON CONFLICT(indicator, unit, period) DO UPDATE SET value = excluded.value, numerator = excluded.numerator,
                          denominator = excluded.denominator, status = excluded.status, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                        """)
                } else {
                    try await c.execute(
                        """
                        UPDATE indicator_values SET status = \(ch.status.rawValue), updated_by = \(ch.by), updated_at = \(ch.at)
                        WHERE indicator = \(k.indicator) AND unit = \(k.unit) AND period = \(k.period)
                        """)
                }
                let newValue = ch.fields.map { $0.value } ?? old?.value
                history.append([
                    .text(k.indicator), .text(k.unit), .text(k.period), .int(ch.at), .text(ch.by), .text(ch.action), (old?.value).sqlValue,
                    newValue.sqlValue,
                    (old?.status.rawValue).sqlValue, .text(ch.status.rawValue), ch.comment.sqlValue,
                ])
                current[k] = ValueState(
                    status: ch.status, value: newValue, numerator: ch.fields.map { $0.numerator } ?? old?.numerator,
                    denominator: ch.fields.map { $0.denominator } ?? old?.denominator)
            }
            try await c.insertRows(
                into: "indicator_history",
                columns: ["indicator", "unit", "period", "at", "by", "action", "old_value", "new_value", "old_status", "new_status", "comment"],
                rows: history)
        }
    }

    public func values(indicator: String?, unit: String?, period: String?, statuses: [ValueStatus], limit: Int) async throws -> [StoredIndicatorValue]
    {
        // No status asked for (the public asking for drafts keeps none): nothing.
        guard !statuses.isEmpty else { return [] }
        return try await read { c in
            var clauses: [SQL] = []
            if let indicator { clauses.append("indicator = \(indicator)") }
            if let unit { clauses.append("unit = \(unit)") }
            if let period { clauses.append("period = \(period)") }
            if statuses.count < ValueStatus.allCases.count { clauses.append("status IN (\(list: statuses.map(\.rawValue)))") }
            let whereSQL = clauses.isEmpty ? SQL(verbatim: "") : "WHERE " + SQL.join(clauses, " AND ")
            let order = c.dialect.bytewise
            return try await c.query(
                "SELECT * FROM indicator_values \(whereSQL) ORDER BY indicator\(raw: order), unit\(raw: order), period\(raw: order) LIMIT \(limit)"
            ).map {
                StoredIndicatorValue(
                    indicator: try $0.text("indicator"), unit: try $0.text("unit"), period: try $0.text("period"),
                    value: try $0.optionalDouble("value"),
                    numerator: try $0.optionalDouble("numerator"), denominator: try $0.optionalDouble("denominator"),
                    status: ValueStatus(rawValue: try $0.text("status")) ?? .draft, updatedBy: try $0.text("updated_by"),
                    updatedAt: try $0.int64("updated_at"))
            }
        }
    }

    public func history(_ k: ValueKey) async throws -> [ValueHistoryEntry] {
        try await read { c in
            try await c.query(
                "SELECT * FROM indicator_history WHERE indicator = \(k.indicator) AND unit = \(k.unit) AND period = \(k.period) ORDER BY id"
            ).map {
                ValueHistoryEntry(
                    at: try $0.int64("at"), by: try $0.text("by"), action: try $0.text("action"), oldValue: try $0.optionalDouble("old_value"),
                    newValue: try $0.optionalDouble("new_value"), oldStatus: $0.optionalText("old_status"), newStatus: try $0.text("new_status"),
                    comment: $0.optionalText("comment"))
            }
        }
    }

    public func unitHistory(indicator: String, unit: String, before period: String) async throws -> [Double] {
        try await read { c in
            try await c.query(
                """
                SELECT value FROM indicator_values WHERE indicator = \(indicator) AND unit = \(unit) AND period < \(period)\(raw: c.dialect.bytewise)
                  AND value IS NOT NULL ORDER BY period\(raw: c.dialect.bytewise)
                """
            ).map { try $0.double("value") }
        }
    }

    public func indicatorVersion() async throws -> String {
        try await read { c in
            let rows = try await c.query(
                """
                SELECT (SELECT count(*) FROM indicator_history) AS h, (SELECT coalesce(max(updated_at), 0) FROM indicator_values) AS v,
                  (SELECT count(*) FROM indicator_values) AS n, (SELECT count(*) FROM indicator_targets) AS t,
                  (SELECT coalesce(sum(target_value), 0) + coalesce(sum(baseline_value), 0) FROM indicator_targets) AS s,
                  (SELECT count(*) FROM indicators) AS i, (SELECT count(*) FROM admin_units WHERE outline IS NOT NULL) AS o
                """)
            guard let r = rows.first else { return "" }
            return [try r.int("h"), try r.int("v"), try r.int("n"), try r.int("t"), try r.int("i"), try r.int("o")].map(String.init).joined(
                separator: ":")
                + ":\(try r.double("s"))"
        }
    }
}

extension SQLStore: TargetStore {
    public func targets(indicator: String?, unit: String?) async throws -> [IndicatorTarget] {
        try await read { c in
            var clauses: [SQL] = []
            if let indicator { clauses.append("indicator = \(indicator)") }
            if let unit { clauses.append("unit = \(unit)") }
            let whereSQL = clauses.isEmpty ? SQL(verbatim: "") : "WHERE " + SQL.join(clauses, " AND ")
            let order = c.dialect.bytewise
            return try await c.query("SELECT * FROM indicator_targets \(whereSQL) ORDER BY indicator\(raw: order), unit\(raw: order), target_year")
                .map {
                    IndicatorTarget(
                        id: try $0.int64("id"), indicator: try $0.text("indicator"), unit: try $0.text("unit"), targetYear: try $0.int("target_year"),
                        targetValue: try $0.double("target_value"), baselineYear: try $0.int("baseline_year"),
                        baselineValue: try $0.double("baseline_value"),
                        source: try $0.text("source"), trajectory: StoredJSON.decode([String: Double].self, $0.optionalText("trajectory")))
                }
        }
    }

    public func upsertTarget(_ t: IndicatorTarget) async throws -> IndicatorTarget {
        try await write { c in
            var out = t
            out.id = try await c.scalar(
                """
                INSERT INTO indicator_targets(indicator, unit, target_year, target_value, baseline_year, baseline_value, source, trajectory)
                VALUES (\(t.indicator), \(t.unit), \(t.targetYear), \(t.targetValue), \(t.baselineYear), \(t.baselineValue), \(t.source),
                  \(t.trajectory.map { StoredJSON.encode($0) }))
                ON CONFLICT(indicator, unit, target_year) DO UPDATE SET target_value = excluded.target_value, baseline_year = excluded.baseline_year,
                  baseline_value = excluded.baseline_value, source = excluded.source, trajectory = excluded.trajectory
                RETURNING id
                """
            ).int64
            return out
        }
    }
}
