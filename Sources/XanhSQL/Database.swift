import Foundation
import XanhCore
import XanhStore

/// One connection, inside a transaction when `SQLDatabase.write` gave it. Every store query is written once against
/// this seam; the two drivers (GRDB, PostgresNIO) implement it.
public protocol SQLConnection: Sendable {
    var dialect: SQLDialect { get }
    func query(_ sql: SQL) async throws -> [SQLRow]
    /// Runs a statement and returns the number of rows it changed.
    @discardableResult func execute(_ sql: SQL) async throws -> Int
    /// Inserts many rows into one table in as few round trips as the engine allows (SQLite: one prepared statement
    /// in one access; PostgreSQL: `COPY`, or multi-row `VALUES` with a conflict clause). `conflict` is an
    /// `ON CONFLICT …` clause, if any.
    func insertRows(into table: String, columns: [String], rows: [[SQLValue]], conflict: String?) async throws
    /// The engine's upsert of raw observations, inside this transaction: the one place where each engine does what
    /// the other cannot (SQLite: a cached statement per row; PostgreSQL: month partitions, then COPY or unnest).
    /// Returns how many rows replaced a stored value.
    func writeObservations(_ rows: [ValidObservation]) async throws -> Int
    /// A long read of numbers, column by column: `sql` selects integer and real columns without NULLs, and its
    /// rows come in the order of its first column, ascending. PostgreSQL ships the result as one row of arrays (a
    /// row per result row costs its client more than the query costs the server); SQLite reads rows.
    func numberColumns(_ sql: SQL, _ kinds: [SQLNumberKind]) async throws -> [SQLNumbers]
}

/// The type of a column `numberColumns` reads.
public enum SQLNumberKind: Sendable {
    case int, double
}

/// One column of numbers.
public enum SQLNumbers: Sendable, Equatable {
    case ints([Int64])
    case doubles([Double])

    public var count: Int {
        switch self {
        case .ints(let a): a.count
        case .doubles(let a): a.count
        }
    }
    public func int(_ i: Int) -> Int64? {
        guard case .ints(let a) = self, i >= 0, i < a.count else { return nil }
        return a[i]
    }
    public func double(_ i: Int) -> Double? {
        switch self {
        case .doubles(let a): return i >= 0 && i < a.count ? a[i] : nil
        case .ints(let a): return i >= 0 && i < a.count ? Double(a[i]) : nil
        }
    }

    /// The columns in the order of the first one, ascending: unchanged when they already are (the usual case, an
    /// O(n) check), sorted together otherwise.
    public static func ordered(_ columns: [SQLNumbers]) -> [SQLNumbers] {
        guard let first = columns.first else { return columns }
        let n = first.count
        var sorted = true
        for i in stride(from: 1, to: n, by: 1) where (first.double(i - 1) ?? 0) > (first.double(i) ?? 0) {
            sorted = false
            break
        }
        guard !sorted, columns.allSatisfy({ $0.count == n }) else { return columns }
        let order = (0..<n).sorted { (first.double($0) ?? 0, $0) < (first.double($1) ?? 0, $1) }
        return columns.map { c in
            switch c {
            case .ints(let a): return .ints(order.map { a[$0] })
            case .doubles(let a): return .doubles(order.map { a[$0] })
            }
        }
    }

    /// Columns from rows (the engines that read rows).
    public static func columns(_ rows: [SQLRow], _ kinds: [SQLNumberKind]) throws -> [SQLNumbers] {
        try kinds.enumerated().map { i, kind in
            switch kind {
            case .int:
                return .ints(
                    try rows.map { r in
                        guard let v = r[i].int64 else { throw SQLDecodingError(column: "#\(i)", expected: "an integer", found: r[i]) }
                        return v
                    })
            case .double:
                return .doubles(
                    try rows.map { r in
                        guard let v = r[i].double else { throw SQLDecodingError(column: "#\(i)", expected: "a number", found: r[i]) }
                        return v
                    })
            }
        }
    }
}

extension SQLConnection {
    /// The first column of the first row (NULL when there is none).
    public func scalar(_ sql: SQL) async throws -> SQLValue { try await query(sql).first?[0] ?? .null }

    public func one(_ sql: SQL) async throws -> SQLRow? { try await query(sql).first }

    public func exists(_ sql: SQL) async throws -> Bool { try await !query(sql).isEmpty }

    /// Runs an `INSERT` into a table keyed by `id` and returns the new row's id (`RETURNING`, on both engines).
    public func insertReturningID(_ sql: SQL) async throws -> Int64 {
        guard let id = try await scalar(sql + " RETURNING id").int64 else {
            throw StoreError.conflict("internal: no id returned by \(sql.description.prefix(80))")
        }
        return id
    }

    public func insertRows(into table: String, columns: [String], rows: [[SQLValue]]) async throws {
        try await insertRows(into: table, columns: columns, rows: rows, conflict: nil)
    }

    /// `rows` split so that no statement carries more arguments than the engine takes.
    public func chunks(_ rows: [[SQLValue]], columns: Int) -> [ArraySlice<[SQLValue]>] {
        let per = max(1, min(1000, dialect.maxArguments / max(1, columns)))
        return stride(from: 0, to: rows.count, by: per).map { rows[$0..<min(rows.count, $0 + per)] }
    }
}

/// A database: reads and transactions over an engine's connections.
public protocol SQLDatabase: StoreIdentity {
    var dialect: SQLDialect { get }
    /// Statements outside a transaction, each seeing the latest committed data (READ COMMITTED on both engines).
    func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// One transaction: all of the body or nothing. The body's own error is rethrown unchanged.
    func write<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// Drops whole month partitions that lie before the horizon (PostgreSQL); returns their names and row counts.
    func dropObservationPartitions(before horizon: Int64) async throws -> [(name: String, rows: Int)]
    /// A consistent copy of the whole database in a new file (SQLite's online backup; `pg_dump -Fc`), never over an
    /// existing one.
    func backup(to path: String) throws
}

extension SQLConnection {
    /// The portable form of a bulk insert: multi-row `VALUES`, as many rows per statement as the engine's argument
    /// limit allows. A driver may do better (SQLite runs one cached statement per row inside one access).
    public func insertRowsByValues(into table: String, columns: [String], rows: [[SQLValue]], conflict: String?) async throws {
        guard !rows.isEmpty else { return }
        let head = "INSERT INTO \"\(table)\"(\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES "
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        for part in chunks(rows, columns: columns.count) {
            let text = head + Array(repeating: tuple, count: part.count).joined(separator: ", ") + (conflict.map { " " + $0 } ?? "")
            try await execute(SQL(verbatim: text, part.flatMap { $0 }))
        }
    }
}

/// Column types for `SQL.values`, so that PostgreSQL knows what the parameters of a `VALUES` list are.
public enum SQLType: String, Sendable {
    case bigint = "BIGINT", double = "DOUBLE PRECISION", text = "TEXT"
}

extension SQL {
    /// `(VALUES (CAST(? AS BIGINT), …), …)`: a literal table both engines read as `column1`, `column2`, … (for an
    /// `UPDATE … FROM` or a join with many keys in one statement).
    public static func values(_ rows: [[SQLValue]], _ types: [SQLType]) -> SQL {
        let tuple = "(" + types.map { "CAST(? AS \($0.rawValue))" }.joined(separator: ", ") + ")"
        return SQL(verbatim: "(VALUES " + Array(repeating: tuple, count: rows.count).joined(separator: ", ") + ")", rows.flatMap { $0 })
    }
}

/// A lock for `async` code: one holder at a time, the others suspended (never a blocked thread).
public final class AsyncLock: @unchecked Sendable {
    private let state = NSLockedState()

    public init() {}

    public func lock() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            if state.enter(c) { c.resume() }
        }
    }

    public func unlock() { state.leave()?.resume() }

    /// Runs `body` holding the lock.
    public func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await lock()
        do {
            let v = try await body()
            unlock()
            return v
        } catch {
            unlock()
            throw error
        }
    }
}

/// The state of an `AsyncLock` behind a mutex: whether it is held, and who waits.
final class NSLockedState: @unchecked Sendable {
    private let mutex = NSLock()
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// True when the caller got the lock at once; otherwise it waits in line.
    func enter(_ c: CheckedContinuation<Void, Never>) -> Bool {
        mutex.withLock {
            if !held {
                held = true
                return true
            }
            waiters.append(c)
            return false
        }
    }

    /// The next waiter, which now holds the lock; nil when nobody waits (the lock is free).
    func leave() -> CheckedContinuation<Void, Never>? {
        mutex.withLock {
            if waiters.isEmpty {
                held = false
                return nil
            }
            return waiters.removeFirst()
        }
    }
}
