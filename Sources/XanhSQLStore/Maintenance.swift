import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: RetentionStore {
    public func rawHorizon() async throws -> Int64? { try await read { c in try await Self.horizon(c) } }

    /// The horizon is recorded first (from then on, rows before it are refused), then raw rows go: whole month
    /// partitions where the engine has them (PostgreSQL), then the rest series by series, 50 series per transaction,
    /// so readers and writers go on.
    public func applyRetention(rawBefore before: Int64) async throws -> RetentionReport {
        let rules = rules
        let (horizon, series) = try await write { c -> (Int64, [Int64]) in
            let pending = try await c.scalar("SELECT min(hour_end) FROM dirty").int64
            let h = rules.retentionHorizon(before, pending, try await Self.horizon(c))
            try await c.execute(
                "INSERT INTO meta(key, value) VALUES (\(RetentionKeys.horizon), \(String(h))) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            return (h, try await c.query("SELECT id FROM series ORDER BY id").map { try $0.int64("id") })
        }
        let dropped = try await db.dropObservationPartitions(before: horizon)
        var deleted = dropped.reduce(0) { $0 + $1.rows }
        for chunk in stride(from: 0, to: series.count, by: 50) {
            let part = Array(series[chunk..<min(chunk + 50, series.count)])
            deleted += try await write { c in
                var n = 0
                for s in part {
                    n += try await c.execute("DELETE FROM observations WHERE series_id = \(s) AND t < \(horizon)")
                    try await c.execute("DELETE FROM sta_obs_extra WHERE series_id = \(s) AND t < \(horizon)")
                }
                return n
            }
        }
        return RetentionReport(horizon: horizon, deletedRows: deleted, droppedPartitions: dropped.map(\.name))
    }
}

/// Raw table access for `xanh migrate-data`, in either direction. The catalogue queries and the way triggers stand
/// aside are the two engines' own; reading and writing rows is the same SQL.
extension SQLStore: TableCopyEngine {
    public func copyTables() async throws -> [CopyTable] {
        try await read { c in
            var out: [CopyTable] = []
            if c.dialect.isPostgres {
                let names = try await c.query(
                    """
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname
                    """
                ).map { try $0.text("relname") }.filter { !CopyProgress.isBookkeeping($0) }
                for name in names {
                    let columns = try await c.query(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(name) ORDER BY ordinal_position"
                    ).map { try $0.text("column_name") }
                    let key = try await c.query(
                        """
                        SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                        WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(\(name)))::regclass AND i.indisprimary
                        ORDER BY array_position(i.indkey::int2[], a.attnum)
                        """
                    ).map { try $0.text("attname") }
                    out.append(CopyTable(name: name, columns: columns, key: key))
                }
            } else {
                let names = try await c.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map { try $0.text("name") }
                for name in names where !CopyProgress.isBookkeeping(name) {
                    let info = try await c.query("SELECT name, pk FROM pragma_table_info(\(name))")
                    let key = try info.filter { try $0.int("pk") > 0 }.sorted { try $0.int("pk") < $1.int("pk") }.map { try $0.text("name") }
                    out.append(CopyTable(name: name, columns: try info.map { try $0.text("name") }, key: key))
                }
            }
            return out
        }
    }

    public func readChunk(_ table: CopyTable, after: [SQLValue]?, limit: Int) async throws -> [[SQLValue]] {
        try await read { c in
            let k = Self.keySQL(table, after: after)
            let text =
                "SELECT \(Self.quoted(table.columns)) FROM \"\(table.name)\" \(k.where) \(k.order)" + (limit == Int.max ? "" : " LIMIT \(limit)")
            return try await c.query(SQL(verbatim: text, table.key.isEmpty ? [] : after ?? [])).map(\.values)
        }
    }

    static let progressTable: SQL =
        #"CREATE TABLE IF NOT EXISTS xanh_migrate_progress(tbl TEXT PRIMARY KEY, last_key TEXT NOT NULL, "rows" BIGINT NOT NULL, done BIGINT NOT NULL)"#

    public func writeChunk(_ table: CopyTable, rows: [[SQLValue]], clearFirst: Bool, progress: CopyProgress) async throws {
        try await write { c in
            // PostgreSQL: copied rows bring their SensorThings Locations and Features, so the triggers stand aside.
            if c.dialect.isPostgres { try await c.execute("SELECT set_config('xanh.copying', 'on', true)") }
            try await c.execute(Self.progressTable)
            if clearFirst { try await c.execute("DELETE FROM \"\(raw: table.name)\"") }
            try await c.insertRows(into: table.name, columns: table.columns, rows: rows)
            try await c.execute(
                #"""
                INSERT INTO xanh_migrate_progress(tbl, last_key, "rows", done) VALUES (\#(progress.table), \#(CopyProgress.encodeKey(progress.lastKey)), \#(progress.rows), \#(progress.done))
                ON CONFLICT(tbl) DO UPDATE SET last_key = excluded.last_key, "rows" = excluded."rows", done = excluded.done
                """#)
        }
        directoryCache.set(nil)
    }

    public func copyProgress() async throws -> [String: CopyProgress] {
        try await write { c in
            try await c.execute(Self.progressTable)
            var out: [String: CopyProgress] = [:]
            for r in try await c.query("SELECT * FROM xanh_migrate_progress") {
                let t = try r.text("tbl")
                out[t] = CopyProgress(
                    table: t, lastKey: CopyProgress.decodeKey(try r.text("last_key")), rows: try r.int("rows"), done: try r.bool("done"))
            }
            return out
        }
    }

    static let triggersTable: SQL = "CREATE TABLE IF NOT EXISTS xanh_migrate_triggers(name TEXT PRIMARY KEY, sql TEXT NOT NULL)"

    /// SQLite: the SensorThings triggers would add Locations and Features of their own while stations and series are
    /// copied; they are set aside (kept in `xanh_migrate_triggers`, so an interrupted run still restores them).
    public func beginCopy() async throws {
        guard !db.dialect.isPostgres else { return }
        try await write { c in
            try await c.execute(Self.progressTable)
            try await c.execute(Self.triggersTable)
            for r in try await c.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'") {
                let name = try r.text("name")
                try await c.execute(
                    "INSERT INTO xanh_migrate_triggers(name, sql) VALUES (\(name), \(try r.text("sql"))) ON CONFLICT(name) DO UPDATE SET sql = excluded.sql"
                )
                try await c.execute("DROP TRIGGER \"\(raw: name)\"")
            }
        }
    }

    /// SQLite: the triggers come back. PostgreSQL: identity columns continue after the highest copied id.
    public func endCopy() async throws {
        try await write { c in
            if c.dialect.isPostgres {
                for r in try await c.query(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'")
                {
                    let t = try r.text("table_name")
                    let col = try r.text("column_name")
                    try await c.execute(
                        "SELECT setval(pg_get_serial_sequence(\("\"\(t)\""), \(col)), coalesce((SELECT max(\(raw: "\"\(col)\"")) FROM \(raw: "\"\(t)\"")), 0) + 1, false)"
                    )
                }
            } else {
                try await c.execute(Self.triggersTable)
                for r in try await c.query("SELECT name, sql FROM xanh_migrate_triggers") {
                    if try await !c.exists("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = \(try r.text("name"))") {
                        try await c.execute(SQL(verbatim: try r.text("sql")))
                    }
                }
                try await c.execute("DELETE FROM xanh_migrate_triggers")
            }
        }
        directoryCache.set(nil)
    }
}
