import Foundation
import Logging
import PostgresNIO
import XanhCore
import XanhStore

/// The SensorThings API on PostgreSQL. Its reads and writes are composed in XanhStore as synchronous code over
/// `SQLConnection`; here that code runs on a thread of its own (never on the cooperative pool) and waits there for
/// each statement on one pooled connection, inside one transaction for a write.
extension PGStore: SensorThingsStore {
    public func staRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        let dialect = SQLDialect.postgres(postgis: postgis.get())
        return try await read { c in
            try await Self.onOwnThread { try body(PGSyncConnection(conn: c, dialect: dialect, store: self)) }
        }
    }

    public func staWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        let dialect = SQLDialect.postgres(postgis: postgis.get())
        defer { directoryCache.set(nil) }
        return try await write { c in
            let v = try await Self.onOwnThread { try body(PGSyncConnection(conn: c, dialect: dialect, store: self)) }
            // A Thing is a station created with an explicit id; the identity continues after the highest.
            try await c.execute(
                """
                SELECT setval(s, greatest(coalesce((SELECT max(id) FROM stations), 1), coalesce(pg_sequence_last_value(s::regclass), 1)))
                FROM (SELECT pg_get_serial_sequence('stations', 'id') AS s) q
                """)
            return v
        }
    }

    /// Runs blocking work on a new thread and resumes when it is done.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, any Error>) in
            let thread = Thread { k.resume(with: Result { try work() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Installs PostGIS when the server offers it and the role may, and (re)creates the geospatial `$filter`
    /// functions over it. Without PostGIS those functions answer 501 and everything else works.
    func setUpGeometry(_ c: PGConn) async throws {
        let find = "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'"
        var schema = try await c.scalar(find).text
        if schema == nil, !(try await c.scalar("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").isNull) {
            try await c.execute("SAVEPOINT postgis")
            do {
                try await c.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
                try await c.execute("RELEASE SAVEPOINT postgis")
                schema = try await c.scalar(find).text
            } catch {
                try await c.execute("ROLLBACK TO SAVEPOINT postgis")
            }
        }
        if let schema {
            for statement in PGSchema.geometryFunctions(postgis: schema) { try await c.execute(statement) }
        }
        postgis.set(schema)
    }
}

/// One pooled connection seen through the synchronous `SQLConnection`: each statement is sent and waited for on the
/// calling thread, which must not be an event loop or a cooperative-pool thread (`PGStore.onOwnThread`).
struct PGSyncConnection: SQLConnection {
    let conn: PGConn
    let dialect: SQLDialect
    let store: PGStore

    private func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        let statement = try PGConn.statement(sql, arguments.map(PGArg.from))
        do {
            let future: EventLoopFuture<PostgresQueryResult> = conn.connection.query(statement, logger: conn.logger)
            return try conn.answer(future, sql).wait()
        } catch let e as PSQLError {
            throw PGQueryError(e, sql: sql)
        }
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> SQLRows {
        let result = try run(sql, arguments)
        guard let first = result.rows.first else { return SQLRows(columns: [], rows: []) }
        return SQLRows(columns: first.map(\.columnName), rows: result.rows.map { row in row.map(PGConn.value) })
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int { try run(sql, arguments).metadata.rows ?? 0 }

    func insert(_ sql: String, _ arguments: [SQLValue]) throws -> Int64 {
        guard let id = try query(sql + " RETURNING id", arguments).rows.first?.first?.int64 else {
            throw StoreError.conflict("internal: no id returned by \(sql.prefix(80))")
        }
        return id
    }

    /// The store's upsert, inside this transaction; a month without a partition gets one in the same transaction.
    func ingest(_ rows: [ValidObservation]) throws {
        let missing = store.missingPartitions(for: rows.lazy.map(\.t))
        let conn = conn
        try Self.waitFor {
            if !missing.isEmpty { try await PGStore.createPartitions(missing, conn) }
            _ = try await PGStore.ingest(rows, conn)
        }
    }

    /// Waits on this (non-pool) thread for async work done by a task.
    static func waitFor(_ work: @escaping @Sendable () async throws -> Void) throws {
        let outcome = Locked<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await work(); outcome.set(.success(())) } catch { outcome.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        try outcome.get()!.get()
    }
}
