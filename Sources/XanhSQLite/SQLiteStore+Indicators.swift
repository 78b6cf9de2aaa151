import Foundation
import GRDB
import XanhCore
import XanhStore

extension Schema {
    /// Administrative units with history, the indicator catalogue, values with their workflow and history, targets,
    /// and key roles.
    static let v4 = """
        CREATE TABLE admin_units(
            id TEXT PRIMARY KEY, code TEXT NOT NULL, name_vi TEXT NOT NULL, name_en TEXT NOT NULL, level TEXT NOT NULL, parent TEXT,
            valid_from TEXT, valid_to TEXT, successor TEXT, boundary TEXT);
        CREATE INDEX admin_units_parent ON admin_units(parent);
        CREATE INDEX admin_units_code ON admin_units(code);
        CREATE TABLE indicators(code TEXT PRIMARY KEY, definition TEXT NOT NULL);
        CREATE TABLE indicator_values(
            indicator TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL, value REAL, numerator REAL, denominator REAL,
            status TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(indicator, unit, period)) WITHOUT ROWID;
        CREATE INDEX indicator_values_period ON indicator_values(indicator, period);
        CREATE TABLE indicator_history(
            id INTEGER PRIMARY KEY, indicator TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL,
            action TEXT NOT NULL, old_value REAL, new_value REAL, old_status TEXT, new_status TEXT NOT NULL, comment TEXT);
        CREATE INDEX indicator_history_key ON indicator_history(indicator, unit, period, id);
        CREATE TABLE indicator_targets(
            id INTEGER PRIMARY KEY, indicator TEXT NOT NULL, unit TEXT NOT NULL, target_year INTEGER NOT NULL, target_value REAL NOT NULL,
            baseline_year INTEGER NOT NULL, baseline_value REAL NOT NULL, source TEXT NOT NULL, trajectory TEXT,
            UNIQUE(indicator, unit, target_year));
        ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'editor';
        """
}

enum IndicatorReferenceLoader {
    /// Bundled units and indicators; a new catalogue version re-runs it (existing values and imported units stay).
    static func load(into db: Database) throws {
        for u in try AdminHierarchy.bundled() { try SQLiteStore.upsert(u, db) }
        for i in try IndicatorCatalogue.bundled().indicators {
            try db.execute(
                sql: "INSERT INTO indicators(code, definition) VALUES (?,?) ON CONFLICT(code) DO UPDATE SET definition = excluded.definition",
                arguments: [i.code, IndicatorJSON.encode(i)])
        }
    }

    static var label: String { "indicators:\((try? IndicatorCatalogue.bundled().version) ?? "?")+units-2025" }
}

extension SQLiteStore: IndicatorStore {
    static func upsert(_ u: AdminUnit, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO admin_units(id, code, name_vi, name_en, level, parent, valid_from, valid_to, successor) VALUES (?,?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET code = excluded.code, name_vi = excluded.name_vi, name_en = excluded.name_en, level = excluded.level,
                  parent = excluded.parent, valid_from = excluded.valid_from, valid_to = excluded.valid_to, successor = excluded.successor
                """, arguments: [u.id, u.code, u.nameVi, u.nameEn, u.level.rawValue, u.parent, u.validFrom, u.validTo, u.successor])
    }

    public func adminUnits() async throws -> [AdminUnit] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM admin_units ORDER BY id").map {
                AdminUnit(
                    id: $0["id"], code: $0["code"], nameVi: $0["name_vi"], nameEn: $0["name_en"], level: AdminUnit.Level(rawValue: $0["level"]) ?? .commune,
                    parent: $0["parent"], validFrom: $0["valid_from"], validTo: $0["valid_to"], successor: $0["successor"])
            }
        }
    }

    public func upsertUnits(_ units: [AdminUnit]) async throws {
        try await writer.write { db in for u in units { try Self.upsert(u, db) } }
    }

    public func setBoundary(unit: String, geoJSON: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE admin_units SET boundary = ? WHERE id = ?", arguments: [geoJSON, unit])
            if db.changesCount == 0 { throw StoreError.notFound("unit '\(unit)' does not exist") }
        }
    }

    public func boundary(unit: String) async throws -> String? {
        try await writer.read { db in try String.fetchOne(db, sql: "SELECT boundary FROM admin_units WHERE id = ?", arguments: [unit]) }
    }

    public func indicators() async throws -> [Indicator] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT definition FROM indicators ORDER BY code").compactMap {
                try? JSONDecoder().decode(Indicator.self, from: Data($0.utf8))
            }
        }
    }

    public func upsertIndicator(_ i: Indicator) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO indicators(code, definition) VALUES (?,?) ON CONFLICT(code) DO UPDATE SET definition = excluded.definition",
                arguments: [i.code, IndicatorJSON.encode(i)])
        }
    }

    private static func status(_ db: Database, _ k: ValueKey) throws -> (ValueStatus, Double?)? {
        guard let r = try Row.fetchOne(
            db, sql: "SELECT status, value FROM indicator_values WHERE indicator = ? AND unit = ? AND period = ?", arguments: [k.indicator, k.unit, k.period])
        else { return nil }
        return (ValueStatus(rawValue: r["status"]) ?? .draft, r["value"])
    }

    private static func log(_ db: Database, _ k: ValueKey, at: Int64, by: String, action: String, old: (ValueStatus, Double?)?, new: ValueStatus, value: Double?, comment: String?)
        throws
    {
        try db.execute(
            sql: """
                INSERT INTO indicator_history(indicator, unit, period, at, by, action, old_value, new_value, old_status, new_status, comment)
                VALUES (?,?,?,?,?,?,?,?,?,?,?)
                """, arguments: [k.indicator, k.unit, k.period, at, by, action, old?.1, value, old?.0.rawValue, new.rawValue, comment])
    }

    public func writeValues(_ rows: [IndicatorValueWrite], status: ValueStatus, by: String, at: Int64) async throws {
        try await writer.write { db in
            var problems: [(origin: String, message: String)] = []
            for r in rows {
                let k = ValueKey(indicator: r.indicator, unit: r.unit, period: r.period)
                let old = try Self.status(db, k)
                switch ValueWorkflow.apply(.write, to: old?.0, approver: false, comment: nil) {
                case .failure(let e):
                    problems.append((r.origin, "\(r.indicator) \(r.unit) \(r.period): \(e.message)"))
                    continue
                case .success: break
                }
                try db.execute(
                    sql: """
                        INSERT INTO indicator_values(indicator, unit, period, value, numerator, denominator, status, updated_by, updated_at)
                        VALUES (?,?,?,?,?,?,?,?,?)
                        ON CONFLICT(indicator, unit, period) DO UPDATE SET value = excluded.value, numerator = excluded.numerator,
                          denominator = excluded.denominator, status = excluded.status, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                        """, arguments: [r.indicator, r.unit, r.period, r.value, r.numerator, r.denominator, status.rawValue, by, at])
                try Self.log(db, k, at: at, by: by, action: old == nil ? "create" : "update", old: old, new: status, value: r.value, comment: nil)
            }
            // Nothing of the batch is kept if one row is refused.
            if !problems.isEmpty { throw IndicatorWriteError(problems) }
        }
    }

    public func transition(_ keys: [ValueKey], action: ValueAction, approver: Bool, by: String, comment: String?, at: Int64) async throws {
        try await writer.write { db in
            var problems: [(origin: String, message: String)] = []
            for k in keys {
                let old = try Self.status(db, k)
                switch ValueWorkflow.apply(action, to: old?.0, approver: approver, comment: comment) {
                case .failure(let e): problems.append(("\(k.indicator) \(k.unit) \(k.period)", e.message))
                case .success(let new):
                    try db.execute(
                        sql: "UPDATE indicator_values SET status = ?, updated_by = ?, updated_at = ? WHERE indicator = ? AND unit = ? AND period = ?",
                        arguments: [new.rawValue, by, at, k.indicator, k.unit, k.period])
                    try Self.log(db, k, at: at, by: by, action: action.rawValue, old: old, new: new, value: old?.1, comment: comment)
                }
            }
            if !problems.isEmpty { throw IndicatorWriteError(problems) }
        }
    }

    public func values(indicator: String?, unit: String?, period: String?, statuses: [ValueStatus], limit: Int) async throws -> [StoredIndicatorValue] {
        try await writer.read { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            for (column, v) in [("indicator", indicator), ("unit", unit), ("period", period)] {
                if let v {
                    clauses.append("\(column) = ?")
                    args.append(v)
                }
            }
            if !statuses.isEmpty && statuses.count < ValueStatus.allCases.count {
                clauses.append("status IN (\(statuses.map { "'\($0.rawValue)'" }.joined(separator: ",")))")
            }
            args.append(limit)
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM indicator_values \(whereSQL) ORDER BY indicator, unit, period LIMIT ?", arguments: StatementArguments(args)
            ).map {
                StoredIndicatorValue(
                    indicator: $0["indicator"], unit: $0["unit"], period: $0["period"], value: $0["value"], numerator: $0["numerator"],
                    denominator: $0["denominator"], status: ValueStatus(rawValue: $0["status"]) ?? .draft, updatedBy: $0["updated_by"],
                    updatedAt: $0["updated_at"])
            }
        }
    }

    public func history(_ k: ValueKey) async throws -> [ValueHistoryEntry] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM indicator_history WHERE indicator = ? AND unit = ? AND period = ? ORDER BY id",
                arguments: [k.indicator, k.unit, k.period]
            ).map {
                ValueHistoryEntry(
                    at: $0["at"], by: $0["by"], action: $0["action"], oldValue: $0["old_value"], newValue: $0["new_value"], oldStatus: $0["old_status"],
                    newStatus: $0["new_status"], comment: $0["comment"])
            }
        }
    }

    public func unitHistory(indicator: String, unit: String, before period: String) async throws -> [Double] {
        try await writer.read { db in
            try Double.fetchAll(
                db, sql: "SELECT value FROM indicator_values WHERE indicator = ? AND unit = ? AND period < ? AND value IS NOT NULL ORDER BY period",
                arguments: [indicator, unit, period])
        }
    }

    public func targets(indicator: String?, unit: String?) async throws -> [IndicatorTarget] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM indicator_targets WHERE (? IS NULL OR indicator = ?) AND (? IS NULL OR unit = ?) ORDER BY indicator, unit, target_year",
                arguments: [indicator, indicator, unit, unit]
            ).map {
                IndicatorTarget(
                    id: $0["id"], indicator: $0["indicator"], unit: $0["unit"], targetYear: $0["target_year"], targetValue: $0["target_value"],
                    baselineYear: $0["baseline_year"], baselineValue: $0["baseline_value"], source: $0["source"],
                    trajectory: ($0["trajectory"] as String?).flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) })
            }
        }
    }

    public func upsertTarget(_ t: IndicatorTarget) async throws -> IndicatorTarget {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO indicator_targets(indicator, unit, target_year, target_value, baseline_year, baseline_value, source, trajectory)
                    VALUES (?,?,?,?,?,?,?,?)
                    ON CONFLICT(indicator, unit, target_year) DO UPDATE SET target_value = excluded.target_value, baseline_year = excluded.baseline_year,
                      baseline_value = excluded.baseline_value, source = excluded.source, trajectory = excluded.trajectory
                    """,
                arguments: [t.indicator, t.unit, t.targetYear, t.targetValue, t.baselineYear, t.baselineValue, t.source, t.trajectory.map(IndicatorJSON.encode)])
            var out = t
            out.id = try Int64.fetchOne(
                db, sql: "SELECT id FROM indicator_targets WHERE indicator = ? AND unit = ? AND target_year = ?", arguments: [t.indicator, t.unit, t.targetYear])
            return out
        }
    }

    public func apiKeyRole(hash: String) async throws -> (name: String, role: String)? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT name, role FROM api_keys WHERE hash = ? AND revoked = 0", arguments: [hash]).map { ($0["name"], $0["role"]) }
        }
    }

    public func setAPIKeyRole(name: String, role: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE api_keys SET role = ? WHERE name = ?", arguments: [role, name])
            if db.changesCount == 0 { throw StoreError.notFound("no API key named '\(name)'") }
        }
    }
}
