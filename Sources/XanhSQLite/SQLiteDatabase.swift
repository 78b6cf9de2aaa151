import Foundation
import GRDB
#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif
import XanhCore
import XanhSQL
import XanhStore

/// The embedded engine: SQLite through GRDB, WAL (`DatabasePool`), `synchronous = NORMAL`.
///
/// A committed transaction survives the death of the process (WAL keeps it in the OS page cache); `NORMAL` only risks
/// the last transactions on power loss, which the operator guide states.
///
/// Reads go to the pool's readers, one access per statement. A write transaction spans several accesses of the one
/// writer connection (`allowsUnsafeTransactions`), so its statements can be awaited one by one; an `AsyncLock` lets one
/// transaction at a time hold the writer, and nothing else in Xanh writes to it.
public final class SQLiteDatabase: SQLDatabase {
    public let pool: DatabasePool
    let writeLock = AsyncLock()

    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            SQLiteFunctions.register(db)
        }
        config.busyMode = .timeout(10)
        config.allowsUnsafeTransactions = true
        pool = try DatabasePool(path: path, configuration: config)
    }

    public var dialect: SQLDialect { .sqlite }

    public func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await body(Connection(pool: pool, writer: false))
    }

    public func write<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        await writeLock.lock()
        defer { writeLock.unlock() }
        try await pool.writeWithoutTransaction { db in try db.beginTransaction(.immediate) }
        do {
            let value = try await body(Connection(pool: pool, writer: true))
            try await finish(commit: true)
            return value
        } catch {
            try? await finish(commit: false)
            throw error
        }
    }

    /// Commits or rolls back in a task of its own, so that a cancelled caller (a shutdown, a request past its budget)
    /// never leaves the writer inside a transaction.
    private func finish(commit: Bool) async throws {
        let pool = pool
        try await Task.detached {
            try await pool.writeWithoutTransaction { db in
                guard db.isInsideTransaction else { return }
                if commit { try db.commit() } else { try db.rollback() }
            }
        }.value
    }

    public func dropObservationPartitions(before horizon: Int64) async throws -> [(name: String, rows: Int)] { [] }

    /// A consistent copy of the live database, through SQLite's online backup API: readers and writers go on while
    /// it runs, and the copy is the database as of one moment.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError.conflict("\(path) exists; a backup never overwrites a file") }
        let target = try DatabaseQueue(path: path)
        try pool.backup(to: target)
        try target.close()
    }

    /// One statement access on a reader, or on the writer inside the current transaction.
    struct Connection: SQLConnection {
        let pool: DatabasePool
        let writer: Bool
        var dialect: SQLDialect { .sqlite }

        func access<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
            writer ? try await pool.writeWithoutTransaction(work) : try await pool.read(work)
        }

        func query(_ sql: XanhSQL.SQL) async throws -> [SQLRow] {
            try await access { db in try Self.fetch(db, sql) }
        }

        static func fetch(_ db: Database, _ sql: XanhSQL.SQL) throws -> [SQLRow] {
            let statement = try db.makeStatement(sql: sql.text)
            let columns = SQLColumns(statement.columnNames)
            let width = statement.columnCount
            let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(sql.arguments.map { $0.databaseValue }))
            var cells: [SQLValue] = []
            // Cells straight from the stepped statement: GRDB's Row decodes each cell through generic code, which
            // tripled the cost of a long read (8,760 hourly rows: 4.5 → 13 ms).
            let handle = statement.sqliteStatement
            while try cursor.next() != nil {
                for i in 0..<Int32(width) {
                    switch sqlite3_column_type(handle, i) {
                    case SQLITE_INTEGER: cells.append(.int(sqlite3_column_int64(handle, i)))
                    case SQLITE_FLOAT: cells.append(.double(sqlite3_column_double(handle, i)))
                    case SQLITE_NULL: cells.append(.null)
                    case SQLITE_BLOB:
                        let bytes = sqlite3_column_blob(handle, i)?.assumingMemoryBound(to: UInt8.self)
                        let n = Int(sqlite3_column_bytes(handle, i))
                        cells.append(.text(String(decoding: UnsafeBufferPointer(start: bytes, count: bytes == nil ? 0 : n), as: UTF8.self)))
                    default:
                        let text = sqlite3_column_text(handle, i)
                        let n = Int(sqlite3_column_bytes(handle, i))
                        cells.append(.text(String(decoding: UnsafeBufferPointer(start: text, count: text == nil ? 0 : n), as: UTF8.self)))
                    }
                }
            }
            return SQLRow.rows(columns: columns, cells: cells)
        }

        func numberColumns(_ sql: XanhSQL.SQL, _ kinds: [SQLNumberKind]) async throws -> [SQLNumbers] {
            try SQLNumbers.columns(try await query(sql), kinds)
        }

        func execute(_ sql: XanhSQL.SQL) async throws -> Int {
            try await access { db in
                try db.execute(sql: sql.text, arguments: StatementArguments(sql.arguments.map(\.databaseValue)))
                return db.changesCount
            }
        }

        /// One cached statement, executed per row, in one access.
        func insertRows(into table: String, columns: [String], rows: [[SQLValue]], conflict: String?) async throws {
            guard !rows.isEmpty else { return }
            let text =
                "INSERT INTO \"\(table)\"(\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES ("
                + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")" + (conflict.map { " " + $0 } ?? "")
            try await access { db in
                let statement = try db.cachedStatement(sql: text)
                for r in rows { try statement.execute(arguments: StatementArguments(r.map(\.databaseValue))) }
            }
        }

        /// SQLite's way with a batch: insert each row unless its key is stored, else update it; one cached statement each.
        func writeObservations(_ rows: [ValidObservation]) async throws -> Int {
            try await access { db in
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO observations(series_id, t, value, status, qc) VALUES (?,?,?,?,?) ON CONFLICT(series_id, t) DO NOTHING")
                let update = try db.cachedStatement(sql: "UPDATE observations SET value = ?, status = ?, qc = ? WHERE series_id = ? AND t = ?")
                var replaced = 0
                // The arguments match the statements' placeholders by construction: GRDB need not check them per row.
                for r in rows {
                    insert.setUncheckedArguments([r.seriesID, r.t, r.value, r.status.rawValue, r.qc.rawValue])
                    try insert.execute()
                    if db.changesCount == 0 {
                        update.setUncheckedArguments([r.value, r.status.rawValue, r.qc.rawValue, r.seriesID, r.t])
                        try update.execute()
                        replaced += 1
                    }
                }
                return replaced
            }
        }
    }
}

extension SQLiteDatabase: StoreIdentity {
    public var engine: String { "sqlite" }
    public var location: String { pool.path }

    public func fault(_ error: any Error) -> StoreFault? {
        if let f = error as? StoreFault { return f }
        guard let e = error as? DatabaseError else { return nil }
        let text = e.message ?? "\(e.resultCode)"
        switch e.resultCode.primaryResultCode {
        case .SQLITE_FULL: return .full(text)
        case .SQLITE_READONLY: return .readOnly(text)
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_NOMEM: return .unavailable(text)
        case .SQLITE_INTERRUPT: return .timeout(text)
        default: return nil
        }
    }

    public func isConstraintViolation(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.resultCode.primaryResultCode == .SQLITE_CONSTRAINT
    }

    /// Reads one row, then checks the free space of the database's file system: SQLite cannot write its WAL on a full
    /// disk, so a nearly full one is reported before writes fail.
    public func ping(timeout: Duration) async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        var st = statvfs()
        let dir = (pool.path as NSString).deletingLastPathComponent
        if statvfs(dir.isEmpty ? "." : dir, &st) == 0 {
            let free = UInt64(st.f_bavail) * UInt64(st.f_frsize)
            if free < Self.minimumFreeBytes { throw StoreFault.full("\(free) bytes free on the database's disk (\(dir))") }
        }
    }

    /// Below this much free space `/health` reports the disk as full.
    static let minimumFreeBytes: UInt64 = 8 << 20

    public func close() async { try? pool.close() }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .int(let i): return i.databaseValue
        case .double(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        }
    }

    init(_ v: DatabaseValue) {
        switch v.storage {
        case .null: self = .null
        case .int64(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .text(String(decoding: b, as: UTF8.self))
        }
    }
}
