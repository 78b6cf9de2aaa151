import Foundation
import GRDB
import XanhCore
import XanhStore

/// SQL functions the SensorThings compiler emits (`sta_*`): geometry predicates, decimal `mod`, `floor`/`ceiling`,
/// the text form of a number (for comparing a number with a string literal) and QC flag names.
enum SQLiteFunctions {
    static func register(_ db: Database) {
        db.add(
            function: DatabaseFunction("sta_text", argumentCount: 1, pure: true) { v in
                switch v[0].storage {
                case .double(let d): return JSONValue.formatNumber(d)
                case .int64(let i): return String(i)
                case .string(let s): return s
                default: return nil
                }
            })
        db.add(
            function: DatabaseFunction("sta_mod", argumentCount: 2, pure: true) { v in
                guard let a = Double.fromDatabaseValue(v[0]), let b = Double.fromDatabaseValue(v[1]), b != 0 else { return nil }
                return fmod(a, b)
            })
        db.add(
            function: DatabaseFunction("sta_floor", argumentCount: 1, pure: true) { v in Double.fromDatabaseValue(v[0]).map { $0.rounded(.down) } })
        db.add(function: DatabaseFunction("sta_ceil", argumentCount: 1, pure: true) { v in Double.fromDatabaseValue(v[0]).map { $0.rounded(.up) } })
        db.add(
            function: DatabaseFunction("sta_round", argumentCount: 1, pure: true) { v in
                Double.fromDatabaseValue(v[0]).map { $0.rounded(.toNearestOrAwayFromZero) }
            })
        db.add(
            function: DatabaseFunction("sta_qc_name", argumentCount: 1, pure: true) { v in
                guard let raw = Int.fromDatabaseValue(v[0]) else { return nil }
                let qc = StoredQC(raw: raw)
                return qc.flag.key + (qc.overridden ? " (override)" : "")
            })
        db.add(
            function: DatabaseFunction("sta_subindices", argumentCount: 1, pure: true) { v in
                guard let text = String.fromDatabaseValue(v[0]) else { return nil }
                let s = AQISubindexText.decode(text)
                return JSONValue.object(s.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) }).text
            })
        db.add(
            function: DatabaseFunction("sta_geo", argumentCount: -1, pure: true) { v in
                guard v.count >= 2, let name = String.fromDatabaseValue(v[0]), let a = geometry(v[1]) else { return nil }
                let b = v.count > 2 ? geometry(v[2]) : nil
                if v.count > 2, b == nil { return nil }
                return Geometry.evaluate(name, a, b, pattern: v.count > 3 ? String.fromDatabaseValue(v[3]) : nil)
            })
    }

    private static func geometry(_ v: DatabaseValue) -> Geometry? {
        guard let text = String.fromDatabaseValue(v), let json = try? JSONValue.parse(text) else { return nil }
        return try? Geometry.fromGeoJSON(json)
    }
}
