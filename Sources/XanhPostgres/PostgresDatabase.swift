import Foundation
import Logging
import NIOCore
import PostgresNIO
import XanhCore
import XanhSQL
import XanhStore

/// The production engine: PostgreSQL through PostgresNIO's connection pool. Observations are partitioned by month of
/// their time (UTC); the partitions a batch needs are created on demand, in the batch's transaction.
public final class PostgresDatabase: SQLDatabase {
    public let pgLocation: PGLocation
    let pool: PGPool
    /// The schema PostGIS is installed in (nil without it): the SensorThings geospatial functions use it.
    let postgis = Locked<String?>(nil)
    /// Month partitions known to exist.
    let partitions = Locked<Set<String>>([])

    /// Connects, creates the store's schema if needed and sets up PostGIS when the server offers it. `limits` bound
    /// connecting and statements (the server passes its own); without them a maintenance command waits as long as
    /// PostgreSQL takes.
    public static func open(url: String, maxConnections: Int = 16, limits: Limits? = nil) async throws -> PostgresDatabase {
        let db = PostgresDatabase(location: try PGLocation(url: url), maxConnections: maxConnections, limits: limits)
        do {
            try await db.pool.withConnection { c in
                let conn = db.pool.conn(c)
                _ = try await conn.run("CREATE SCHEMA IF NOT EXISTS \"\(db.pgLocation.schema)\"", [])
                db.postgis.set(try await PostGIS.setUp(conn))
            }
        } catch {
            db.pool.shutdown()
            throw error
        }
        return db
    }

    init(location: PGLocation, maxConnections: Int, limits: Limits?) {
        pgLocation = location
        pool = PGPool(location, maxConnections: maxConnections, limits: limits)
    }

    public var dialect: SQLDialect { .postgres(postgis: postgis.get()) }

    public func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        let dialect = dialect
        return try await pool.withConnection { c in try await body(Connection(conn: self.pool.conn(c), dialect: dialect, database: self)) }
    }

    public func write<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        let dialect = dialect
        return try await pool.withConnection { c in
            let conn = self.pool.conn(c)
            _ = try await conn.run("BEGIN", [])
            do {
                let v = try await body(Connection(conn: conn, dialect: dialect, database: self))
                _ = try await conn.run("COMMIT", [])
                return v
            } catch {
                _ = try? await conn.run("ROLLBACK", [])
                throw error
            }
        }
    }

    /// Creates the month partitions these times fall in (every write of observations does this itself; a bulk load
    /// that should not count it calls this first).
    public func preparePartitions(for times: [Int64]) async throws {
        try await pool.withConnection { c in
            let conn = self.pool.conn(c)
            _ = try await conn.run("BEGIN", [])
            do {
                try await self.ensurePartitions(for: times, conn)
                _ = try await conn.run("COMMIT", [])
            } catch {
                _ = try? await conn.run("ROLLBACK", [])
                throw error
            }
        }
    }

    /// Month partitions wholly before the horizon are dropped (instant, no dead rows to vacuum).
    public func dropObservationPartitions(before horizon: Int64) async throws -> [(name: String, rows: Int)] {
        let months = try await read { c in
            try await c.query(
                """
                SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = (quote_ident(current_schema()) || '.observations')::regclass ORDER BY c.relname
                """
            ).compactMap { r -> (String, Int64)? in
                // FOR VALUES FROM ('1761955200') TO ('1764547200')
                guard let name = r[0].text, let to = r[1].text?.components(separatedBy: "TO (").last else { return nil }
                return Int64(to.filter { $0.isNumber || $0 == "-" }).map { (name, $0) }
            }
        }
        var dropped: [(String, Int)] = []
        for (name, to) in months where to <= horizon && name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            let n = try await write { c in
                let n = Int(try await c.scalar("SELECT count(*) FROM \(raw: name)").int64 ?? 0)
                try await c.execute("DROP TABLE \(raw: name)")
                return n
            }
            partitions.set(partitions.get().subtracting([name]))
            dropped.append((name, n))
        }
        return dropped
    }

    /// `pg_dump -Fc` of the store's schema to `path`.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError.conflict("\(path) exists; a backup never overwrites a file") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let l = pgLocation
        // The whole database unless the store has a schema of its own: `-n` leaves out extensions (PostGIS), so a
        // dump of `public` with it would not restore.
        let schema = l.schema == "public" ? [] : ["-n", l.schema]
        p.arguments = ["pg_dump", "-Fc", "-h", l.host, "-p", String(l.port), "-U", l.user] + schema + ["-f", path, l.database]
        if let password = l.password { p.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { _, b in b } }
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw StoreError.conflict("pg_dump failed with status \(p.terminationStatus)") }
    }

    /// One pooled connection seen through the seam.
    struct Connection: SQLConnection {
        let conn: PGConn
        let dialect: SQLDialect
        let database: PostgresDatabase

        func query(_ sql: SQL) async throws -> [SQLRow] {
            let result = try await conn.run(sql.text, sql.arguments.map(PGArg.init))
            guard let first = result.rows.first else { return [] }
            let columns = SQLColumns(first.map(\.columnName))
            var cells: [SQLValue] = []
            cells.reserveCapacity(result.rows.count * columns.names.count)
            for row in result.rows { for cell in row { cells.append(PGConn.value(cell)) } }
            return SQLRow.rows(columns: columns, cells: cells)
        }

        func numberColumns(_ sql: SQL, _ kinds: [SQLNumberKind]) async throws -> [SQLNumbers] {
            let names = kinds.indices.map { "c\($0)" }
            // The aggregates take the subquery's rows in its order (an ORDER BY in each aggregate would sort once
            // per column: 22 ms of server time for a year of hours, against 5 ms); the order is checked below.
            let wrapped = SQL(
                verbatim: "SELECT " + names.map { "array_agg(\($0))" }.joined(separator: ", ") + " FROM (" + sql.text + ") q("
                    + names.joined(separator: ", ") + ")", sql.arguments)
            let result = try await conn.run(wrapped.text, wrapped.arguments.map(PGArg.init))
            guard let row = result.rows.first else { return kinds.map { $0 == .int ? .ints([]) : .doubles([]) } }
            var out: [SQLNumbers] = []
            for (cell, kind) in zip(row, kinds) {
                // No rows: array_agg is NULL.
                guard cell.bytes != nil else {
                    out.append(kind == .int ? .ints([]) : .doubles([]))
                    continue
                }
                switch (kind, cell.dataType) {
                case (.int, .int8Array): out.append(.ints(try cell.decode([Int64].self)))
                case (.int, .int4Array): out.append(.ints(try cell.decode([Int32].self).map(Int64.init)))
                case (.double, .float8Array): out.append(.doubles(try cell.decode([Double].self)))
                case (.double, .numericArray), (.double, .float4Array), (.int, _), (.double, _):
                    // Other types arrive as rows, decoded cell by cell.
                    return try SQLNumbers.columns(try await query(sql), kinds)
                }
            }
            return SQLNumbers.ordered(out)
        }

        func execute(_ sql: SQL) async throws -> Int {
            try await conn.run(sql.text, sql.arguments.map(PGArg.init)).metadata.rows ?? 0
        }

        func insertRows(into table: String, columns: [String], rows: [[SQLValue]], conflict: String?) async throws {
            guard !rows.isEmpty else { return }
            if table == "observations", let t = columns.firstIndex(of: "t") {
                try await database.ensurePartitions(for: rows.compactMap { $0[t].int64 }, conn)
            }
            guard conflict == nil else {
                try await insertRowsByValues(into: table, columns: columns, rows: rows, conflict: conflict)
                return
            }
            // Plain inserts go by COPY (text format): one round trip, no argument limit.
            try await conn.copy(table: table, columns: columns, count: rows.count) { i, b in
                for (k, v) in rows[i].enumerated() {
                    if k > 0 { b.writeString("\t") }
                    b.writeString(Self.copyText(v))
                }
                b.writeString("\n")
            }
        }

        /// A value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage return escaped.
        static func copyText(_ v: SQLValue) -> String {
            switch v {
            case .null: return "\\N"
            case .int(let i): return String(i)
            case .double(let d): return "\(d)"
            case .text(let s):
                guard s.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return s }
                var out = ""
                for ch in s.unicodeScalars {
                    switch ch {
                    case "\\": out += "\\\\"
                    case "\t": out += "\\t"
                    case "\n": out += "\\n"
                    case "\r": out += "\\r"
                    default: out.unicodeScalars.append(ch)
                    }
                }
                return out
            }
        }

        func writeObservations(_ rows: [ValidObservation]) async throws -> Int {
            try await database.ensurePartitions(for: rows.lazy.map(\.t), conn)
            return try await ObservationCopy.write(rows, conn)
        }
    }

    /// Creates the month partitions that hold these times, if missing, in the caller's transaction (a concurrent
    /// creator waits on the advisory lock; `IF NOT EXISTS` settles the race).
    func ensurePartitions<S: Sequence<Int64>>(for times: S, _ c: PGConn) async throws {
        let known = partitions.get()
        var wanted: [String: (Int64, Int64)] = [:]
        var current: (from: Int64, to: Int64) = (1, 0)
        for t in times where !(current.from <= t && t < current.to) {
            let b = Self.monthBounds(t)
            current = (b.from, b.to)
            if !known.contains(b.name) { wanted[b.name] = (b.from, b.to) }
        }
        guard !wanted.isEmpty else { return }
        _ = try await c.run("SELECT pg_advisory_xact_lock(4243)", [])
        for (name, range) in wanted.sorted(by: { $0.key < $1.key }) {
            _ = try await c.run("CREATE TABLE IF NOT EXISTS \(name) PARTITION OF observations FOR VALUES FROM (\(range.0)) TO (\(range.1))", [])
        }
        partitions.set(known.union(wanted.keys))
    }

    /// The UTC month holding `t`: the partition's name and its bounds.
    static func monthBounds(_ t: Int64) -> (name: String, from: Int64, to: Int64) {
        let (y, m, _) = Timestamps.civilFromDays(Timestamps.floorDiv(t, Timestamps.day))
        let from = Timestamps.daysFromCivil(year: y, month: m, day: 1) * Timestamps.day
        let to = Timestamps.daysFromCivil(year: m == 12 ? y + 1 : y, month: m == 12 ? 1 : m + 1, day: 1) * Timestamps.day
        let name = "observations_y" + String(y).leftPadded(4) + "m" + String(m).leftPadded(2)
        return (name, from, to)
    }
}

extension PostgresDatabase: StoreIdentity {
    public var engine: String { "postgresql" }
    public var location: String { pgLocation.description }

    public func ping(timeout: Duration) async throws {
        do {
            try await pool.withConnection(timeout: timeout) { c in _ = try await self.pool.conn(c).run("SELECT 1", []) }
        } catch {
            throw fault(error) ?? error
        }
    }

    public func close() async { pool.shutdown() }

    public func fault(_ error: any Error) -> StoreFault? {
        if let f = error as? StoreFault { return f }
        if let e = error as? PGQueryError {
            if e.connectionLost { return .unavailable(e.message) }
            guard let state = e.sqlState else { return nil }
            switch state {
            case "53100": return .full(e.message)  // disk_full
            case "25006": return .readOnly(e.message)  // read_only_sql_transaction
            case "57014": return .timeout(e.message)  // query_canceled (statement_timeout)
            case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53"): return .unavailable(e.message)
            default: return nil
            }
        }
        // PostgresNIO's older error type, still thrown by some paths when the connection closes under a call.
        if let e = error as? PostgresError, case .connectionClosed = e { return .unavailable("the connection to PostgreSQL closed") }
        // The connection went away under a statement, or none could be made.
        if let e = error as? PSQLError, e.serverInfo == nil, e.code != .messageDecodingFailure, e.code != .tooManyParameters {
            return .unavailable("\(String(reflecting: e).prefix(200))")
        }
        return nil
    }
}

extension PostgresDatabase {
    /// SQLSTATE class 23: integrity constraint violation.
    public func isConstraintViolation(_ error: any Error) -> Bool { (error as? PGQueryError)?.sqlState?.hasPrefix("23") == true }
}

/// PostGIS, where the server offers it: installed when the role may, and the geospatial `$filter` functions created
/// over it. Without it those functions answer 501 and everything else works.
enum PostGIS {
    static func setUp(_ c: PGConn) async throws -> String? {
        let find = "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'"
        var schema = try await c.run(find, []).rows.first.flatMap { $0.first.map(PGConn.value)?.text }
        if schema == nil, !(try await c.run("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'", []).rows.isEmpty) {
            _ = try await c.run("BEGIN", [])
            do {
                _ = try await c.run("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public", [])
                _ = try await c.run("COMMIT", [])
            } catch {
                _ = try? await c.run("ROLLBACK", [])
            }
            schema = try await c.run(find, []).rows.first.flatMap { $0.first.map(PGConn.value)?.text }
        }
        if let schema { for statement in functions(postgis: schema) { _ = try await c.run(statement, []) } }
        return schema
    }
    static func functions(postgis g: String) -> [String] {
        let g = "\"\(g)\""
        // GeoJSON text → geometry (a Feature gives its geometry); NULL when it is not GeoJSON.
        let parse = { (v: String, into: String) in
            """
            BEGIN
                \(into) := \(g).ST_GeomFromGeoJSON(CASE WHEN \(v)::jsonb ->> 'type' = 'Feature' THEN (\(v)::jsonb -> 'geometry')::text ELSE \(v) END);
              EXCEPTION WHEN others THEN RETURN NULL;
              END;
            """
        }
        return [
            """
            CREATE OR REPLACE FUNCTION sta_geo_bool(name text, a text, b text, pattern text DEFAULT NULL) RETURNS boolean
            LANGUAGE plpgsql IMMUTABLE AS $$
            DECLARE x \(g).geometry; y \(g).geometry;
            BEGIN
              \(parse("a", "x"))
              \(parse("b", "y"))
              RETURN CASE name
                WHEN 'geo.intersects' THEN \(g).ST_Intersects(x, y) WHEN 'st_intersects' THEN \(g).ST_Intersects(x, y)
                WHEN 'st_equals' THEN \(g).ST_Equals(x, y) WHEN 'st_disjoint' THEN \(g).ST_Disjoint(x, y)
                WHEN 'st_touches' THEN \(g).ST_Touches(x, y) WHEN 'st_within' THEN \(g).ST_Within(x, y)
                WHEN 'st_overlaps' THEN \(g).ST_Overlaps(x, y) WHEN 'st_crosses' THEN \(g).ST_Crosses(x, y)
                WHEN 'st_contains' THEN \(g).ST_Contains(x, y) WHEN 'st_relate' THEN \(g).ST_Relate(x, y, pattern) END;
            END $$
            """,
            """
            CREATE OR REPLACE FUNCTION sta_geo_num(name text, a text, b text DEFAULT NULL) RETURNS double precision
            LANGUAGE plpgsql IMMUTABLE AS $$
            DECLARE x \(g).geometry; y \(g).geometry;
            BEGIN
              \(parse("a", "x"))
              IF name = 'geo.length' THEN RETURN \(g).ST_Length(x); END IF;
              \(parse("b", "y"))
              RETURN \(g).ST_Distance(x, y);
            END $$
            """,
        ]
    }
}
