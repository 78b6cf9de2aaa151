import Foundation
import PostgresNIO
import XanhCore
import XanhStore

/// The production store: PostgreSQL through PostgresNIO's connection pool.
///
/// It passes the same contract suite as `SQLiteStore` (`Tests/XanhStoreTests`). Observations are partitioned by
/// month; partitions are created ahead of time at start and on demand by ingest.
public final class PGStore: Sendable {
    public let pgLocation: PGLocation
    public let reference: ReferenceData
    let pool: PGPool
    let directoryCache = Locked<SeriesDirectory?>(nil)
    /// Month partitions known to exist.
    let partitions = Locked<Set<String>>([])
    /// The schema PostGIS is installed in (nil without it): the SensorThings geospatial functions use it.
    let postgis = Locked<String?>(nil)

    /// Connects, creates the schema if needed, applies migrations and loads the reference data.
    /// `limits` bound connecting and statements (the server passes its own); without them a maintenance command waits
    /// as long as PostgreSQL takes.
    public static func open(url: String, reference: ReferenceData, maxConnections: Int = 16, limits: Limits? = nil) async throws -> PGStore {
        let store = PGStore(location: try PGLocation(url: url), reference: reference, maxConnections: maxConnections, limits: limits)
        do {
            try await store.migrate()
        } catch {
            store.shutdown()
            throw error
        }
        return store
    }

    init(location: PGLocation, reference: ReferenceData, maxConnections: Int, limits: Limits?) {
        self.pgLocation = location
        self.reference = reference
        pool = PGPool(location, maxConnections: maxConnections, limits: limits)
    }

    /// Stops the connection pool.
    public func shutdown() { pool.shutdown() }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// Runs `body` in one transaction.
    public func write<T: Sendable>(_ body: (PGConn) async throws -> T) async throws -> T { try await pool.write(body) }
    public func read<T: Sendable>(_ body: (PGConn) async throws -> T) async throws -> T { try await pool.read(body) }

    /// Migration ids applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await read { c in try await c.query("SELECT id FROM xanh_migrations ORDER BY applied_at, id").rows.compactMap { $0[0].text } }
    }

    func migrate() async throws {
        try await write { c in
            // One migrating process at a time (several servers may start against one database).
            try await c.execute("CREATE SCHEMA IF NOT EXISTS \"\(pgLocation.schema)\"")
            try await c.execute("SELECT pg_advisory_xact_lock(4242)")
            try await c.execute("CREATE TABLE IF NOT EXISTS xanh_migrations(id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let applied = Set(try await c.query("SELECT id FROM xanh_migrations").rows.compactMap { $0[0].text })
            for m in PGSchema.migrations where !applied.contains(m.id) {
                for statement in m.statements { try await c.execute(statement) }
                try await c.execute("INSERT INTO xanh_migrations(id, applied_at) VALUES (?, ?)", [m.id, Self.now()])
            }
            let refID = "reference:\(reference.versionLabel)"
            if !applied.contains(refID) {
                try await Self.loadReference(reference, c)
                try await c.execute("INSERT INTO xanh_migrations(id, applied_at) VALUES (?, ?)", [refID, Self.now()])
            }
            let indID = Self.indicatorReferenceLabel
            if !applied.contains(indID) {
                try await Self.loadIndicatorReference(c)
                try await c.execute("INSERT INTO xanh_migrations(id, applied_at) VALUES (?, ?)", [indID, Self.now()])
            }
            try await self.setUpGeometry(c)
        }
        // The current month and the next two exist before the first row arrives.
        let now = Self.now()
        try await ensurePartitions(for: [now, now + 32 * 86400, now + 63 * 86400])
    }

    static func loadReference(_ r: ReferenceData, _ c: PGConn) async throws {
        for p in r.parameters.parameters {
            try await c.execute(
                """
                INSERT INTO parameters(code, name_vi, name_en, unit, medium, plausible_min, plausible_max, aqi, circular10, aliases, id)
                VALUES (?,?,?,?,?,?,?,?,?,?, (SELECT coalesce(max(id), 0) + 1 FROM parameters))
                ON CONFLICT(code) DO UPDATE SET name_vi=excluded.name_vi, name_en=excluded.name_en, unit=excluded.unit,
                  medium=excluded.medium, plausible_min=excluded.plausible_min, plausible_max=excluded.plausible_max,
                  aqi=excluded.aqi, circular10=excluded.circular10, aliases=excluded.aliases
                """,
                [
                    p.code, p.nameVi, p.nameEn, p.unit, p.medium, p.plausibleMin, p.plausibleMax, p.aqi ? 1 : 0,
                    p.circular10.joined(separator: "|"), p.aliases.joined(separator: "|"),
                ])
        }
        // The index the SensorThings layer offers as an ObservedProperty, as in the SQLite schema.
        try await c.execute(
            """
            INSERT INTO parameters(code, name_vi, name_en, unit, medium, aqi, circular10, aliases, id, definition, description)
            VALUES ('VN_AQI', 'Chỉ số chất lượng không khí Việt Nam', 'Vietnam Air Quality Index', '', 'index', 0, '', '',
              (SELECT coalesce(max(id), 0) + 1 FROM parameters), 'https://xanh.vn/def/VN_AQI',
              'VN_AQI computed under Decision 1459/QĐ-TCMT (hourly NowCast and daily)')
            ON CONFLICT(code) DO NOTHING
            """)
        try await c.execute(
            """
            INSERT INTO sta_sensors(id, name, description, encoding_type, metadata) VALUES (1,
              'Automatic continuous monitoring station',
              'Analysers and data logger of an automatic station reporting under Circular 10/2021/TT-BTNMT', 'text/html',
              '"https://thuvienphapluat.vn/van-ban/Tai-nguyen-Moi-truong/Thong-tu-10-2021-TT-BTNMT"')
            ON CONFLICT(id) DO NOTHING
            """)
        try await c.execute("SELECT setval(pg_get_serial_sequence('sta_sensors', 'id'), (SELECT max(id) FROM sta_sensors))")
        for p in r.provinces {
            try await c.execute(
                """
                INSERT INTO provinces(code, name_vi, name_en, kind, communes, merged_from, valid_from) VALUES (?,?,?,?,?,?,?)
                ON CONFLICT(code) DO UPDATE SET name_vi=excluded.name_vi, name_en=excluded.name_en, kind=excluded.kind,
                  communes=excluded.communes, merged_from=excluded.merged_from, valid_from=excluded.valid_from
                """,
                [p.code, p.nameVi, p.nameEn, p.kind, p.communes, p.mergedFrom.joined(separator: ";"), p.validFrom])
        }
        try await c.execute("DELETE FROM ambient_limits")
        for l in r.limits.limits {
            try await c.execute(
                "INSERT INTO ambient_limits(standard, parameter, period, value, valid_from, valid_to) VALUES (?,?,?,?,?,?)",
                [l.standard, l.parameter, l.period.rawValue, l.value, l.validFrom, l.validTo])
        }
        try await c.execute(
            "INSERT INTO meta(key, value) VALUES ('reference', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [r.versionLabel])
    }

    /// Creates the month partitions that hold these times, if missing. A month's bounds are worked out only when a
    /// time leaves the previous time's month, so a batch sorted by time costs one calendar lookup per month.
    func ensurePartitions<S: Sequence<Int64>>(for times: S) async throws {
        let known = partitions.get()
        let wanted = missingPartitions(for: times)
        guard !wanted.isEmpty else { return }
        try await write { c in try await Self.createPartitions(wanted, c) }
        partitions.set(known.union(wanted.keys))
    }

    /// The month partitions that hold these times and are not known to exist, by name, with their bounds.
    func missingPartitions<S: Sequence<Int64>>(for times: S) -> [String: (Int64, Int64)] {
        let known = partitions.get()
        var wanted: [String: (Int64, Int64)] = [:]
        var current: (from: Int64, to: Int64) = (1, 0)
        for t in times where !(current.from <= t && t < current.to) {
            let b = PGSchema.monthBounds(t)
            current = (b.from, b.to)
            if !known.contains(b.name) { wanted[b.name] = (b.from, b.to) }
        }
        return wanted
    }

    static func createPartitions(_ wanted: [String: (Int64, Int64)], _ c: PGConn) async throws {
        try await c.execute("SELECT pg_advisory_xact_lock(4243)")
        for (name, range) in wanted.sorted(by: { $0.key < $1.key }) {
            try await c.execute("CREATE TABLE IF NOT EXISTS \(name) PARTITION OF observations FOR VALUES FROM (\(range.0)) TO (\(range.1))")
        }
    }
}

extension PGStore: StoreIdentity {
    public var engine: String { "postgresql" }
    public var location: String { pgLocation.description }

    public func close() async { shutdown() }

    public func ping(timeout: Duration) async throws {
        do {
            try await pool.withConnection(timeout: timeout) { c in
                _ = try await self.pool.conn(c).scalar("SELECT 1")
            }
        } catch {
            throw fault(error) ?? error
        }
    }

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

extension SQLValue {
    var int: Int? { int64.map { Int($0) } }
    var bool: Bool { (int64 ?? 0) != 0 }
}
