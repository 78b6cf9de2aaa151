import Foundation
import XanhStore

/// Raw table access for `xanh migrate-data`, in either direction.
extension PGStore: TableCopyEngine {
    public func copyTables() async throws -> [CopyTable] {
        try await read { c in
            let names = try await c.query(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname
                """
            ).rows.compactMap { $0[0].text }.filter { !CopyProgress.isBookkeeping($0) }
            var out: [CopyTable] = []
            for name in names {
                let columns = try await c.query(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                    [name]
                ).rows.compactMap { $0[0].text }
                let key = try await c.query(
                    """
                    SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(?))::regclass AND i.indisprimary
                    ORDER BY array_position(i.indkey::int2[], a.attnum)
                    """, [name]
                ).rows.compactMap { $0[0].text }
                out.append(CopyTable(name: name, columns: columns, key: key))
            }
            return out
        }
    }

    public func readChunk(_ table: CopyTable, after: [SQLValue]?, limit: Int) async throws -> [[SQLValue]] {
        try await read { c in
            let k = Self.keySQL(table, after: after)
            let sql = "SELECT \(Self.quoted(table.columns)) FROM \"\(table.name)\" \(k.where) \(k.order)" + (limit == Int.max ? "" : " LIMIT \(limit)")
            return try await c.query(sql, table.key.isEmpty ? [] : (after ?? []).map(PGArg.from)).rows
        }
    }

    static let progressTable =
        "CREATE TABLE IF NOT EXISTS xanh_migrate_progress(tbl TEXT PRIMARY KEY, last_key TEXT NOT NULL, \"rows\" BIGINT NOT NULL, done BIGINT NOT NULL)"

    public func writeChunk(_ table: CopyTable, rows: [[SQLValue]], clearFirst: Bool, progress: CopyProgress) async throws {
        if table.name == "observations", let t = table.columns.firstIndex(of: "t") {
            try await ensurePartitions(for: rows.lazy.compactMap { $0[t].int64 })
        }
        try await write { c in
            // Copied rows bring their SensorThings Locations and Features; the triggers stand aside.
            try await c.execute("SELECT set_config('xanh.copying', 'on', true)")
            try await c.execute(Self.progressTable)
            if clearFirst { try await c.execute("DELETE FROM \"\(table.name)\"") }
            // As many rows per statement as the protocol's 65,535 parameters allow.
            let perStatement = max(1, 60_000 / max(1, table.columns.count))
            let tuple = "(" + table.columns.map { _ in "?" }.joined(separator: ",") + ")"
            for start in stride(from: 0, to: rows.count, by: perStatement) {
                let part = rows[start..<min(rows.count, start + perStatement)]
                try await c.execute(
                    "INSERT INTO \"\(table.name)\"(\(Self.quoted(table.columns))) VALUES " + Array(repeating: tuple, count: part.count).joined(separator: ","),
                    part.flatMap { $0.map(PGArg.from) })
            }
            try await c.execute(
                """
                INSERT INTO xanh_migrate_progress(tbl, last_key, "rows", done) VALUES (?,?,?,?)
                ON CONFLICT(tbl) DO UPDATE SET last_key = excluded.last_key, "rows" = excluded."rows", done = excluded.done
                """, [progress.table, CopyProgress.encodeKey(progress.lastKey), progress.rows, progress.done])
        }
        directoryCache.set(nil)
    }

    public func copyProgress() async throws -> [String: CopyProgress] {
        try await write { c in
            try await c.execute(Self.progressTable)
            return Dictionary(
                uniqueKeysWithValues: try await c.records("SELECT * FROM xanh_migrate_progress").map {
                    (
                        $0["tbl"].text!,
                        CopyProgress(table: $0["tbl"].text!, lastKey: CopyProgress.decodeKey($0["last_key"].text!), rows: $0["rows"].int!, done: $0["done"].bool)
                    )
                })
        }
    }

    public func beginCopy() async throws {}

    /// Identity columns continue after the highest copied id.
    public func endCopy() async throws {
        try await write { c in
            for r in try await c.records(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'")
            {
                let t = r["table_name"].text!, col = r["column_name"].text!
                try await c.execute(
                    "SELECT setval(pg_get_serial_sequence(?, ?), coalesce((SELECT max(\"\(col)\") FROM \"\(t)\"), 0) + 1, false)",
                    ["\"\(t)\"", col])
            }
        }
        directoryCache.set(nil)
    }
}
