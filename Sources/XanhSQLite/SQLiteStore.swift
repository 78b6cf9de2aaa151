import Foundation
import GRDB
import XanhCore
import XanhStore

/// The embedded store: SQLite through GRDB, WAL (`DatabasePool`), `synchronous = NORMAL`.
///
/// A committed transaction survives the death of the process (WAL keeps it in the OS page cache); `NORMAL` only
/// risks the last transactions on power loss, which the operator guide states.
public final class SQLiteStore: Sendable {
    public let writer: any DatabaseWriter
    public let reference: ReferenceData
    /// The series directory the validator needs; registry writes invalidate it.
    let directoryCache = Locked<SeriesDirectory?>(nil)

    /// Opens (creating if needed) the database at `path` and migrates it.
    public convenience init(path: String, reference: ReferenceData) throws {
        let pool = try DatabasePool(path: path, configuration: Self.makeConfiguration())
        try self.init(writer: pool, reference: reference)
    }

    public init(writer: any DatabaseWriter, reference: ReferenceData) throws {
        self.writer = writer
        self.reference = reference
        try Self.migrator(reference: reference).migrate(writer)
    }

    public static func makeConfiguration() -> Configuration {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            STASQLFunctions.register(db)
        }
        config.busyMode = .timeout(10)
        return config
    }

    static func migrator(reference: ReferenceData) -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-schema") { db in
            try db.execute(sql: Schema.v1)
        }
        m.registerMigration("v2-files-qc-alerts") { db in
            try db.execute(sql: Schema.v2)
        }
        m.registerMigration("v3-sensorthings") { db in
            try db.execute(sql: Schema.v3)
            try db.execute(sql: Schema.v3Views)
        }
        m.registerMigration("v4-indicators") { db in
            try db.execute(sql: Schema.v4)
        }
        // The derived Observation arms listed their columns in another order than the raw arm, so the union view
        // put an hourly mean under valid_end: the views are created again.
        m.registerMigration("v5-sta-views") { db in
            for view in STAViews.names { try db.execute(sql: "DROP VIEW IF EXISTS \(view)") }
            try db.execute(sql: Schema.v3Views)
        }
        // Reference data is loaded by a migration named after the versions of the resource files, so a new
        // regulation ships as a data change that the next start applies.
        m.registerMigration("reference:\(reference.versionLabel)") { db in
            try ReferenceLoader.load(reference, into: db)
        }
        m.registerMigration(IndicatorReferenceLoader.label) { db in
            try IndicatorReferenceLoader.load(into: db)
        }
        return m
    }
}

extension SQLiteStore: StoreIdentity {
    public var engine: String { "sqlite" }
    public var location: String { writer.path }

    /// Reads one row, then checks the free space of the database's file system: SQLite cannot write the WAL on a
    /// full disk, so a nearly full one is reported before writes fail.
    public func ping(timeout: Duration) async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        var st = statvfs()
        let dir = (writer.path as NSString).deletingLastPathComponent
        if statvfs(dir.isEmpty ? "." : dir, &st) == 0 {
            let free = UInt64(st.f_bavail) * UInt64(st.f_frsize)
            if free < Self.minimumFreeBytes { throw StoreFault.full("\(free) bytes free on the database's disk (\(dir))") }
        }
    }

    public func close() async {
        try? (writer as? DatabasePool)?.close()
    }

    /// Below this much free space `/health` reports the disk as full.
    static let minimumFreeBytes: UInt64 = 8 << 20

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
}

enum Schema {
    static let v1 = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE parameters(
            code TEXT PRIMARY KEY, name_vi TEXT NOT NULL, name_en TEXT NOT NULL, unit TEXT NOT NULL, medium TEXT NOT NULL,
            plausible_min REAL, plausible_max REAL, aqi INTEGER NOT NULL, circular10 TEXT NOT NULL, aliases TEXT NOT NULL);
        CREATE TABLE provinces(
            code TEXT PRIMARY KEY, name_vi TEXT NOT NULL, name_en TEXT NOT NULL, kind TEXT NOT NULL, communes INTEGER NOT NULL,
            merged_from TEXT NOT NULL, valid_from TEXT NOT NULL);
        CREATE TABLE ambient_limits(
            standard TEXT NOT NULL, parameter TEXT NOT NULL, period TEXT NOT NULL, value REAL NOT NULL,
            valid_from TEXT NOT NULL, valid_to TEXT);
        CREATE TABLE facilities(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, tax_code TEXT, sector TEXT, province TEXT NOT NULL REFERENCES provinces(code),
            address TEXT, active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE stations(
            id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
            province TEXT NOT NULL REFERENCES provinces(code), facility_id INTEGER REFERENCES facilities(id),
            latitude REAL, longitude REAL, active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE series(
            id INTEGER PRIMARY KEY, station_id INTEGER NOT NULL REFERENCES stations(id), parameter TEXT NOT NULL REFERENCES parameters(code),
            interval INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1, UNIQUE(station_id, parameter));
        CREATE TABLE observations(
            series_id INTEGER NOT NULL, t INTEGER NOT NULL, value REAL NOT NULL, status INTEGER NOT NULL, qc INTEGER NOT NULL,
            PRIMARY KEY(series_id, t)) WITHOUT ROWID;
        CREATE TABLE dirty(seq INTEGER PRIMARY KEY AUTOINCREMENT, series_id INTEGER NOT NULL, hour_end INTEGER NOT NULL);
        CREATE TABLE hourly(
            series_id INTEGER NOT NULL, t INTEGER NOT NULL, mean REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
            count INTEGER NOT NULL, coverage REAL NOT NULL, PRIMARY KEY(series_id, t)) WITHOUT ROWID;
        CREATE TABLE daily(
            series_id INTEGER NOT NULL, day INTEGER NOT NULL, mean REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
            count INTEGER NOT NULL, hours INTEGER NOT NULL, coverage REAL NOT NULL, max_hourly REAL NOT NULL,
            PRIMARY KEY(series_id, day)) WITHOUT ROWID;
        CREATE TABLE aqi(
            station_id INTEGER NOT NULL, scale TEXT NOT NULL, resolution TEXT NOT NULL, t INTEGER NOT NULL, aqi INTEGER NOT NULL,
            dominant TEXT NOT NULL, subindices TEXT NOT NULL, PRIMARY KEY(station_id, scale, resolution, t)) WITHOUT ROWID;
        CREATE TABLE aqi_latest(
            station_id INTEGER PRIMARY KEY, t INTEGER NOT NULL, aqi INTEGER NOT NULL, dominant TEXT NOT NULL, subindices TEXT NOT NULL);
        CREATE TABLE exceedances(
            id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL, parameter TEXT NOT NULL, period TEXT NOT NULL, start INTEGER NOT NULL,
            "end" INTEGER NOT NULL, peak REAL NOT NULL, peak_time INTEGER NOT NULL, limit_value REAL NOT NULL, standard TEXT NOT NULL);
        CREATE INDEX exceedances_series ON exceedances(series_id, period, "end");
        CREATE INDEX exceedances_start ON exceedances(start);
        CREATE TABLE api_keys(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
        """
}

extension Schema {
    /// Circular 10 files, QC overrides, completeness, station events, facility limits, alerts.
    static let v2 = """
        ALTER TABLE stations ADD COLUMN silence_after INTEGER;
        ALTER TABLE stations ADD COLUMN limits TEXT;
        ALTER TABLE series ADD COLUMN last_t INTEGER;
        CREATE TABLE file_ledger(
            name TEXT NOT NULL, fingerprint TEXT NOT NULL, rows INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(name, fingerprint)) WITHOUT ROWID;
        CREATE TABLE file_names(name TEXT PRIMARY KEY, station_code TEXT NOT NULL);
        CREATE TABLE qc_overrides(
            id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL REFERENCES series(id), t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,
            flag INTEGER NOT NULL, reason TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE INDEX qc_overrides_series ON qc_overrides(series_id, t_to);
        CREATE TABLE hour_counts(
            series_id INTEGER NOT NULL, t INTEGER NOT NULL, received INTEGER NOT NULL, valid INTEGER NOT NULL, PRIMARY KEY(series_id, t)) WITHOUT ROWID;
        CREATE TABLE station_events(
            id INTEGER PRIMARY KEY, station_id INTEGER NOT NULL REFERENCES stations(id), series_id INTEGER, kind TEXT NOT NULL,
            start INTEGER NOT NULL, "end" INTEGER);
        CREATE INDEX station_events_station ON station_events(station_id, kind, start);
        CREATE INDEX station_events_series ON station_events(series_id, start);
        CREATE INDEX station_events_end ON station_events("end");
        CREATE INDEX exceedances_end ON exceedances("end");
        CREATE TABLE alert_rules(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, scope TEXT NOT NULL, aqi_at_least INTEGER, minutes INTEGER,
            active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL);
        CREATE TABLE subscriptions(
            id INTEGER PRIMARY KEY, rule_id INTEGER, channel TEXT NOT NULL, target TEXT NOT NULL, secret TEXT,
            active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL);
        CREATE TABLE alerts(
            id INTEGER PRIMARY KEY, rule_id INTEGER NOT NULL, subject TEXT NOT NULL, opened_at INTEGER NOT NULL, closed_at INTEGER,
            payload TEXT NOT NULL);
        CREATE INDEX alerts_subject ON alerts(subject, rule_id);
        CREATE INDEX alerts_closed ON alerts(closed_at);
        CREATE UNIQUE INDEX alerts_one_open ON alerts(rule_id, subject) WHERE closed_at IS NULL;
        CREATE TABLE alert_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, alert_id INTEGER NOT NULL, event TEXT NOT NULL, at INTEGER NOT NULL, payload TEXT NOT NULL);
        CREATE TABLE outbox(
            id INTEGER PRIMARY KEY, log_seq INTEGER NOT NULL, subscription_id INTEGER NOT NULL, due_ms INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, delivered_ms INTEGER, gave_up_ms INTEGER);
        CREATE INDEX outbox_due ON outbox(due_ms) WHERE delivered_ms IS NULL AND gave_up_ms IS NULL;
        CREATE TABLE delivery_attempts(id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL, at_ms INTEGER NOT NULL, ok INTEGER NOT NULL, detail TEXT NOT NULL);
        """
}

enum ReferenceLoader {
    static func load(_ r: ReferenceData, into db: Database) throws {
        for p in r.parameters.parameters {
            try db.execute(
                sql: """
                    INSERT INTO parameters(code, name_vi, name_en, unit, medium, plausible_min, plausible_max, aqi, circular10, aliases, id)
                    VALUES (?,?,?,?,?,?,?,?,?,?, (SELECT coalesce(max(id), 0) + 1 FROM parameters))
                    ON CONFLICT(code) DO UPDATE SET name_vi=excluded.name_vi, name_en=excluded.name_en, unit=excluded.unit,
                      medium=excluded.medium, plausible_min=excluded.plausible_min, plausible_max=excluded.plausible_max,
                      aqi=excluded.aqi, circular10=excluded.circular10, aliases=excluded.aliases
                    """,
                arguments: [
                    p.code, p.nameVi, p.nameEn, p.unit, p.medium, p.plausibleMin, p.plausibleMax, p.aqi,
                    p.circular10.joined(separator: "|"), p.aliases.joined(separator: "|"),
                ])
        }
        for p in r.provinces {
            try db.execute(
                sql: """
                    INSERT INTO provinces(code, name_vi, name_en, kind, communes, merged_from, valid_from) VALUES (?,?,?,?,?,?,?)
                    ON CONFLICT(code) DO UPDATE SET name_vi=excluded.name_vi, name_en=excluded.name_en, kind=excluded.kind,
                      communes=excluded.communes, merged_from=excluded.merged_from, valid_from=excluded.valid_from
                    """,
                arguments: [p.code, p.nameVi, p.nameEn, p.kind, p.communes, p.mergedFrom.joined(separator: ";"), p.validFrom])
        }
        try db.execute(sql: "DELETE FROM ambient_limits")
        for l in r.limits.limits {
            try db.execute(
                sql: "INSERT INTO ambient_limits(standard, parameter, period, value, valid_from, valid_to) VALUES (?,?,?,?,?,?)",
                arguments: [l.standard, l.parameter, l.period.rawValue, l.value, l.validFrom, l.validTo])
        }
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('reference', ?)", arguments: [r.versionLabel])
    }
}
