import Foundation
import GRDB
import XanhStore

/// Raw table access for `xanh migrate-data`, in either direction.
extension SQLiteStore: TableCopyEngine {
    public func copyTables() async throws -> [CopyTable] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .filter { !CopyProgress.isBookkeeping($0) }
                .map { name in
                    let info = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?)", arguments: [name])
                    let key = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }.map { $0["name"] as String }
                    return CopyTable(name: name, columns: info.map { $0["name"] }, key: key)
                }
        }
    }

    static func sqlValue(_ v: DatabaseValue) -> SQLValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
        }
    }

    static func databaseValue(_ v: SQLValue) -> DatabaseValue {
        switch v {
        case .null: return .null
        case .int(let i): return i.databaseValue
        case .double(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        }
    }

    public func readChunk(_ table: CopyTable, after: [SQLValue]?, limit: Int) async throws -> [[SQLValue]] {
        try await writer.read { db in
            let k = Self.keySQL(table, after: after)
            let sql = "SELECT \(Self.quoted(table.columns)) FROM \"\(table.name)\" \(k.where) \(k.order)" + (limit == Int.max ? "" : " LIMIT \(limit)")
            let args = StatementArguments((after ?? []).map(Self.databaseValue))
            var out: [[SQLValue]] = []
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: table.key.isEmpty ? [] : args)
            while let row = try cursor.next() { out.append(row.databaseValues.map(Self.sqlValue)) }
            return out
        }
    }

    static let progressTable = """
        CREATE TABLE IF NOT EXISTS xanh_migrate_progress(tbl TEXT PRIMARY KEY, last_key TEXT NOT NULL, rows INTEGER NOT NULL, done INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS xanh_migrate_triggers(name TEXT PRIMARY KEY, sql TEXT NOT NULL);
        """

    public func writeChunk(_ table: CopyTable, rows: [[SQLValue]], clearFirst: Bool, progress: CopyProgress) async throws {
        try await writer.write { db in
            try db.execute(sql: Self.progressTable)
            if clearFirst { try db.execute(sql: "DELETE FROM \"\(table.name)\"") }
            let insert = try db.makeStatement(
                sql: "INSERT INTO \"\(table.name)\"(\(Self.quoted(table.columns))) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ",")))")
            for r in rows { try insert.execute(arguments: StatementArguments(r.map(Self.databaseValue))) }
            try db.execute(
                sql: "INSERT OR REPLACE INTO xanh_migrate_progress(tbl, last_key, rows, done) VALUES (?,?,?,?)",
                arguments: [progress.table, CopyProgress.encodeKey(progress.lastKey), progress.rows, progress.done])
        }
        directoryCache.set(nil)
    }

    public func copyProgress() async throws -> [String: CopyProgress] {
        try await writer.write { db in
            try db.execute(sql: Self.progressTable)
            return Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT * FROM xanh_migrate_progress").map {
                    ($0["tbl"] as String, CopyProgress(table: $0["tbl"], lastKey: CopyProgress.decodeKey($0["last_key"]), rows: $0["rows"], done: $0["done"]))
                })
        }
    }

    /// The SensorThings triggers would add Locations and Features of their own while stations and series are copied:
    /// they are set aside (kept in `xanh_migrate_triggers`, so an interrupted run still restores them) until the end.
    public func beginCopy() async throws {
        try await writer.write { db in
            try db.execute(sql: Self.progressTable)
            for r in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "INSERT OR REPLACE INTO xanh_migrate_triggers(name, sql) VALUES (?,?)", arguments: [r["name"] as String, r["sql"] as String])
                try db.execute(sql: "DROP TRIGGER \"\(r["name"] as String)\"")
            }
        }
    }

    public func endCopy() async throws {
        try await writer.write { db in
            try db.execute(sql: Self.progressTable)
            for r in try Row.fetchAll(db, sql: "SELECT name, sql FROM xanh_migrate_triggers") {
                if try Int.fetchOne(db, sql: "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", arguments: [r["name"] as String]) == nil {
                    try db.execute(sql: r["sql"] as String)
                }
            }
            try db.execute(sql: "DELETE FROM xanh_migrate_triggers")
        }
        directoryCache.set(nil)
    }
}

extension SQLiteStore {
    /// A consistent copy of the live database at `path`, through SQLite's online backup API: readers and writers go
    /// on while it runs (WAL), and the copy is the database as of one moment.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError.conflict("\(path) exists; a backup never overwrites a file")
        }
        let target = try DatabaseQueue(path: path)
        try writer.backup(to: target)
        try target.close()
    }
}
