import Foundation
import XanhCore
import XanhStore

extension PGStore {
    static var indicatorReferenceLabel: String { "indicators:\((try? IndicatorCatalogue.bundled().version) ?? "?")+units-2025" }

    /// Bundled units and indicators; a new catalogue version re-runs it (existing values and imported units stay).
    static func loadIndicatorReference(_ c: PGConn) async throws {
        try await upsert(try AdminHierarchy.bundled(), c)
        for i in try IndicatorCatalogue.bundled().indicators {
            try await c.execute(
                "INSERT INTO indicators(code, definition) VALUES (?,?) ON CONFLICT(code) DO UPDATE SET definition = excluded.definition",
                [i.code, IndicatorJSON.encode(i)])
        }
    }

    static func upsert(_ units: [AdminUnit], _ c: PGConn) async throws {
        for u in units {
            try await c.execute(
                """
                INSERT INTO admin_units(id, code, name_vi, name_en, level, parent, valid_from, valid_to, successor) VALUES (?,?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET code = excluded.code, name_vi = excluded.name_vi, name_en = excluded.name_en, level = excluded.level,
                  parent = excluded.parent, valid_from = excluded.valid_from, valid_to = excluded.valid_to, successor = excluded.successor
                """, [u.id, u.code, u.nameVi, u.nameEn, u.level.rawValue, u.parent, u.validFrom, u.validTo, u.successor])
        }
    }
}

extension PGStore: IndicatorStore {
    public func adminUnits() async throws -> [AdminUnit] {
        try await read { c in
            try await c.records("SELECT * FROM admin_units ORDER BY id COLLATE \"C\"").map {
                AdminUnit(
                    id: $0["id"].text!, code: $0["code"].text!, nameVi: $0["name_vi"].text!, nameEn: $0["name_en"].text!,
                    level: AdminUnit.Level(rawValue: $0["level"].text!) ?? .commune, parent: $0["parent"].text, validFrom: $0["valid_from"].text,
                    validTo: $0["valid_to"].text, successor: $0["successor"].text)
            }
        }
    }

    public func upsertUnits(_ units: [AdminUnit]) async throws {
        try await write { c in try await Self.upsert(units, c) }
    }

    public func setBoundary(unit: String, geoJSON: String) async throws {
        try await write { c in
            let n = try await c.changes("UPDATE admin_units SET boundary = ? WHERE id = ? RETURNING 1", [geoJSON, unit])
            if n == 0 { throw StoreError.notFound("unit '\(unit)' does not exist") }
        }
    }

    public func boundary(unit: String) async throws -> String? {
        try await read { c in try await c.scalar("SELECT boundary FROM admin_units WHERE id = ?", [unit]).text }
    }

    public func indicators() async throws -> [Indicator] {
        try await read { c in
            try await c.query("SELECT definition FROM indicators ORDER BY code COLLATE \"C\"").rows.compactMap {
                try? JSONDecoder().decode(Indicator.self, from: Data($0[0].text!.utf8))
            }
        }
    }

    public func upsertIndicator(_ i: Indicator) async throws {
        try await write { c in
            try await c.execute(
                "INSERT INTO indicators(code, definition) VALUES (?,?) ON CONFLICT(code) DO UPDATE SET definition = excluded.definition",
                [i.code, IndicatorJSON.encode(i)])
        }
    }

    private static func status(_ c: PGConn, _ k: ValueKey) async throws -> (ValueStatus, Double?)? {
        guard
            let r = try await c.records(
                "SELECT status, value FROM indicator_values WHERE indicator = ? AND unit = ? AND period = ? FOR UPDATE", [k.indicator, k.unit, k.period]
            ).first
        else { return nil }
        return (ValueStatus(rawValue: r["status"].text!) ?? .draft, r["value"].double)
    }

    private static func log(
        _ c: PGConn, _ k: ValueKey, at: Int64, by: String, action: String, old: (ValueStatus, Double?)?, new: ValueStatus, value: Double?, comment: String?
    ) async throws {
        try await c.execute(
            """
            INSERT INTO indicator_history(indicator, unit, period, at, "by", action, old_value, new_value, old_status, new_status, comment)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """, [k.indicator, k.unit, k.period, at, by, action, old?.1, value, old?.0.rawValue, new.rawValue, comment])
    }

    public func writeValues(_ rows: [IndicatorValueWrite], status: ValueStatus, by: String, at: Int64) async throws {
        try await write { c in
            var problems: [(origin: String, message: String)] = []
            for r in rows {
                let k = ValueKey(indicator: r.indicator, unit: r.unit, period: r.period)
                let old = try await Self.status(c, k)
                switch ValueWorkflow.apply(.write, to: old?.0, approver: false, comment: nil) {
                case .failure(let e):
                    problems.append((r.origin, "\(r.indicator) \(r.unit) \(r.period): \(e.message)"))
                    continue
                case .success: break
                }
                try await c.execute(
                    """
                    INSERT INTO indicator_values(indicator, unit, period, value, numerator, denominator, status, updated_by, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(indicator, unit, period) DO UPDATE SET value = excluded.value, numerator = excluded.numerator,
                      denominator = excluded.denominator, status = excluded.status, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """, [r.indicator, r.unit, r.period, r.value, r.numerator, r.denominator, status.rawValue, by, at])
                try await Self.log(c, k, at: at, by: by, action: old == nil ? "create" : "update", old: old, new: status, value: r.value, comment: nil)
            }
            // Nothing of the batch is kept if one row is refused.
            if !problems.isEmpty { throw IndicatorWriteError(problems) }
        }
    }

    public func transition(_ keys: [ValueKey], action: ValueAction, approver: Bool, by: String, comment: String?, at: Int64) async throws {
        try await write { c in
            var problems: [(origin: String, message: String)] = []
            for k in keys {
                let old = try await Self.status(c, k)
                switch ValueWorkflow.apply(action, to: old?.0, approver: approver, comment: comment) {
                case .failure(let e): problems.append(("\(k.indicator) \(k.unit) \(k.period)", e.message))
                case .success(let new):
                    try await c.execute(
                        "UPDATE indicator_values SET status = ?, updated_by = ?, updated_at = ? WHERE indicator = ? AND unit = ? AND period = ?",
                        [new.rawValue, by, at, k.indicator, k.unit, k.period])
                    try await Self.log(c, k, at: at, by: by, action: action.rawValue, old: old, new: new, value: old?.1, comment: comment)
                }
            }
            if !problems.isEmpty { throw IndicatorWriteError(problems) }
        }
    }

    public func values(indicator: String?, unit: String?, period: String?, statuses: [ValueStatus], limit: Int) async throws -> [StoredIndicatorValue] {
        try await read { c in
            var clauses: [String] = []
            var args: [any PGArgConvertible] = []
            for (column, v) in [("indicator", indicator), ("unit", unit), ("period", period)] {
                if let v {
                    clauses.append("\(column) = ?")
                    args.append(v)
                }
            }
            if !statuses.isEmpty && statuses.count < ValueStatus.allCases.count {
                clauses.append("status = ANY(?)")
                args.append(PGArg.texts(statuses.map(\.rawValue)))
            }
            args.append(limit)
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try await c.records(
                #"SELECT * FROM indicator_values \#(whereSQL) ORDER BY indicator COLLATE "C", unit COLLATE "C", period COLLATE "C" LIMIT ?"#, args
            ).map {
                StoredIndicatorValue(
                    indicator: $0["indicator"].text!, unit: $0["unit"].text!, period: $0["period"].text!, value: $0["value"].double,
                    numerator: $0["numerator"].double, denominator: $0["denominator"].double,
                    status: ValueStatus(rawValue: $0["status"].text!) ?? .draft, updatedBy: $0["updated_by"].text!, updatedAt: $0["updated_at"].int64!)
            }
        }
    }

    public func history(_ k: ValueKey) async throws -> [ValueHistoryEntry] {
        try await read { c in
            try await c.records(
                "SELECT * FROM indicator_history WHERE indicator = ? AND unit = ? AND period = ? ORDER BY id", [k.indicator, k.unit, k.period]
            ).map {
                ValueHistoryEntry(
                    at: $0["at"].int64!, by: $0["by"].text!, action: $0["action"].text!, oldValue: $0["old_value"].double,
                    newValue: $0["new_value"].double, oldStatus: $0["old_status"].text, newStatus: $0["new_status"].text!, comment: $0["comment"].text)
            }
        }
    }

    public func unitHistory(indicator: String, unit: String, before period: String) async throws -> [Double] {
        try await read { c in
            try await c.query(
                #"SELECT value FROM indicator_values WHERE indicator = ? AND unit = ? AND period < ? COLLATE "C" AND value IS NOT NULL ORDER BY period COLLATE "C""#,
                [indicator, unit, period]
            ).rows.compactMap { $0[0].double }
        }
    }

    public func targets(indicator: String?, unit: String?) async throws -> [IndicatorTarget] {
        try await read { c in
            try await c.records(
                #"SELECT * FROM indicator_targets WHERE (?::text IS NULL OR indicator = ?) AND (?::text IS NULL OR unit = ?) ORDER BY indicator COLLATE "C", unit COLLATE "C", target_year"#,
                [indicator, indicator, unit, unit]
            ).map(Self.decodeTarget)
        }
    }

    static func decodeTarget(_ r: SQLRecord) -> IndicatorTarget {
        IndicatorTarget(
            id: r["id"].int64, indicator: r["indicator"].text!, unit: r["unit"].text!, targetYear: r["target_year"].int!,
            targetValue: r["target_value"].double!, baselineYear: r["baseline_year"].int!, baselineValue: r["baseline_value"].double!,
            source: r["source"].text!, trajectory: r["trajectory"].text.flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) })
    }

    public func upsertTarget(_ t: IndicatorTarget) async throws -> IndicatorTarget {
        try await write { c in
            var out = t
            out.id = try await c.scalar(
                """
                INSERT INTO indicator_targets(indicator, unit, target_year, target_value, baseline_year, baseline_value, source, trajectory)
                VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT(indicator, unit, target_year) DO UPDATE SET target_value = excluded.target_value, baseline_year = excluded.baseline_year,
                  baseline_value = excluded.baseline_value, source = excluded.source, trajectory = excluded.trajectory
                RETURNING id
                """,
                [t.indicator, t.unit, t.targetYear, t.targetValue, t.baselineYear, t.baselineValue, t.source, t.trajectory.map(IndicatorJSON.encode)]
            ).int64
            return out
        }
    }

    public func apiKeyRole(hash: String) async throws -> (name: String, role: String)? {
        try await read { c in
            try await c.records("SELECT name, role FROM api_keys WHERE hash = ? AND revoked = 0", [hash]).first.map { ($0["name"].text!, $0["role"].text!) }
        }
    }

    public func setAPIKeyRole(name: String, role: String) async throws {
        try await write { c in
            let n = try await c.changes("UPDATE api_keys SET role = ? WHERE name = ? RETURNING 1", [role, name])
            if n == 0 { throw StoreError.notFound("no API key named '\(name)'") }
        }
    }
}
