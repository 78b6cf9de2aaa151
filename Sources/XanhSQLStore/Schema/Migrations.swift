import Foundation
import XanhCore
import XanhSQL
import XanhStore

/// Migrations, recorded in `xanh_migrations` on both engines, each applied once in one transaction with the others
/// of its run. The history of each engine's schema is frozen (`SQLiteSchema`, `PostgresSchema`); what comes after is
/// written once (`shared`). Reference data loads under a migration named after its versions, so a new regulation ships
/// as a data change that the next start applies.
enum Migrations {
    /// Written once for both engines, after each engine's frozen history.
    static let shared: [(id: String, statements: [String])] = [
        // The index the SensorThings layer offers as an ObservedProperty, and the one Sensor of automatic stations
        // (SQLite's v3 inserted them; on PostgreSQL the reference loader did). The Sensor is the first row of an empty
        // table, so it is 1 on both engines and the identity sequence moves past it.
        (
            "sta-reference",
            [
                """
                INSERT INTO parameters(code, name_vi, name_en, unit, medium, aqi, circular10, aliases, id, definition, description)
                VALUES ('VN_AQI', 'Chỉ số chất lượng không khí Việt Nam', 'Vietnam Air Quality Index', '', 'index', 0, '', '',
                  (SELECT coalesce(max(id), 0) + 1 FROM parameters), 'https://xanh.vn/def/VN_AQI',
                  'VN_AQI computed under Decision 1459/QĐ-TCMT (hourly NowCast and daily)')
                ON CONFLICT(code) DO NOTHING
                """,
                """
                INSERT INTO sta_sensors(name, description, encoding_type, metadata)
                SELECT 'Automatic continuous monitoring station',
                  'Analysers and data logger of an automatic station reporting under Circular 10/2021/TT-BTNMT', 'text/html',
                  '"https://thuvienphapluat.vn/van-ban/Tai-nguyen-Moi-truong/Thong-tu-10-2021-TT-BTNMT"'
                WHERE NOT EXISTS (SELECT 1 FROM sta_sensors)
                """,
            ]
        ),
        // Keys get a scope (a facility's stations, or named stations); keys made before roles ("editor", which could
        // write everything) become admins so no right is lost on upgrade (decision 0014).
        (
            "access-1",
            [
                "ALTER TABLE api_keys ADD COLUMN facility_id BIGINT",
                "ALTER TABLE api_keys ADD COLUMN stations TEXT NOT NULL DEFAULT ''",
                "UPDATE api_keys SET role = 'admin' WHERE role = 'editor'",
            ]
        ),
        // People's accounts, their sessions and failed logins; keys get a unit and agency scope and a last use; the
        // audit chain (decision 0015). Numbered by the appender (`seq`), so the same text serves both engines.
        (
            "accounts-1",
            [
                "ALTER TABLE api_keys ADD COLUMN unit TEXT",
                "ALTER TABLE api_keys ADD COLUMN agency TEXT",
                "ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT",
                """
                CREATE TABLE users(
                  username TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, facility_id BIGINT, stations TEXT NOT NULL DEFAULT '',
                  unit TEXT, agency TEXT, password_hash TEXT NOT NULL, must_change BIGINT NOT NULL DEFAULT 1, totp_secret TEXT,
                  disabled BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, last_login_at BIGINT)
                """,
                """
                CREATE TABLE sessions(
                  token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username), csrf TEXT NOT NULL,
                  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, address TEXT NOT NULL)
                """,
                "CREATE INDEX sessions_user ON sessions(username)",
                "CREATE TABLE login_failures(username TEXT NOT NULL, address TEXT NOT NULL, at BIGINT NOT NULL)",
                "CREATE INDEX login_failures_user ON login_failures(username, at)",
                "CREATE INDEX login_failures_address ON login_failures(address, at)",
                """
                CREATE TABLE audit_log(
                  seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, actor_kind TEXT NOT NULL, role TEXT NOT NULL,
                  address TEXT NOT NULL, channel TEXT NOT NULL, action TEXT NOT NULL, entity TEXT NOT NULL, entity_key TEXT NOT NULL,
                  before_state TEXT, after_state TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """,
                "CREATE INDEX audit_log_actor ON audit_log(actor, seq)",
                "CREATE INDEX audit_log_entity ON audit_log(entity, entity_key, seq)",
                "CREATE INDEX audit_log_at ON audit_log(at)",
            ]
        ),
        // Agencies, plans (a plan is one document: its groups, tasks and target groups), reporting obligations, their
        // reports keyed naturally (`obligation~period~agency`), task progress and the reminder digests sent (decision 0016).
        (
            "plans-1",
            [
                """
                CREATE TABLE agencies(
                  id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT, kind TEXT NOT NULL, unit TEXT, parent TEXT, emails TEXT NOT NULL DEFAULT '[]')
                """,
                "CREATE TABLE plans(id TEXT PRIMARY KEY, number TEXT NOT NULL, status TEXT NOT NULL, definition TEXT NOT NULL)",
                "CREATE TABLE obligations(id TEXT PRIMARY KEY, plan TEXT, definition TEXT NOT NULL)",
                """
                CREATE TABLE reports(
                  id TEXT PRIMARY KEY, obligation TEXT NOT NULL, period TEXT NOT NULL, agency TEXT NOT NULL, stage TEXT NOT NULL,
                  sections TEXT NOT NULL DEFAULT '{}', nothing_to_report BIGINT NOT NULL DEFAULT 0, submitted_by TEXT, submitted_at BIGINT,
                  decided_by TEXT, decided_at BIGINT, note TEXT, due TEXT)
                """,
                "CREATE INDEX reports_period ON reports(period, obligation)",
                "CREATE INDEX reports_agency ON reports(agency, period)",
                """
                CREATE TABLE task_progress(
                  plan TEXT NOT NULL, task TEXT NOT NULL, period TEXT NOT NULL, agency TEXT NOT NULL, status TEXT NOT NULL,
                  entry TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY(plan, task, period, agency))
                """,
                "CREATE TABLE reminders_sent(recipient TEXT NOT NULL, day TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY(recipient, day))",
            ]
        ),
        // A province's outline for the portal's map, simplified once when its boundary is imported (MapOutline).
        ("map-1", ["ALTER TABLE admin_units ADD COLUMN outline TEXT"]),
        // What staff do with alerts: acknowledged, assigned, closed by a person, and each action in order (decision 0018).
        (
            "alerts-2",
            [
                "ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT",
                "ALTER TABLE alerts ADD COLUMN acknowledged_at BIGINT",
                "ALTER TABLE alerts ADD COLUMN assignee TEXT",
                "ALTER TABLE alerts ADD COLUMN closed_by TEXT",
                "CREATE INDEX alerts_opened ON alerts(opened_at)",
                """
                CREATE TABLE alert_actions(
                  alert_id BIGINT NOT NULL, n BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, assignee TEXT, comment TEXT,
                  at BIGINT NOT NULL, PRIMARY KEY(alert_id, n))
                """,
            ]
        ),
        // Files attached to task progress, kept by content (decision 0018).
        (
            "evidence-1",
            [
                """
                CREATE TABLE evidence_files(
                  sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, data TEXT NOT NULL,
                  uploaded_by TEXT NOT NULL, uploaded_at BIGINT NOT NULL)
                """
            ]
        ),
        // Settings an administrator changed at run time (decision 0018).
        (
            "settings-1",
            ["CREATE TABLE runtime_settings(flag TEXT PRIMARY KEY, value TEXT NOT NULL, changed_by TEXT NOT NULL, changed_at BIGINT NOT NULL)"]
        ),
        // Manual and laboratory water samples, one document each, with their VN_WQI (decision 0019).
        (
            "samples-1",
            [
                """
                CREATE TABLE samples(
                  station TEXT NOT NULL, time BIGINT NOT NULL, campaign TEXT, wqi BIGINT, doc TEXT NOT NULL, updated_at BIGINT NOT NULL,
                  PRIMARY KEY(station, time))
                """,
                "CREATE INDEX samples_campaign ON samples(campaign, time)",
                "CREATE INDEX samples_time ON samples(time)",
            ]
        ),
        (
            "disasters-1",
            [
                """
                CREATE TABLE disaster_events(
                  id TEXT PRIMARY KEY, kind TEXT NOT NULL, start_time BIGINT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL,
                  updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX disaster_events_start ON disaster_events(start_time)",
                """
                CREATE TABLE disaster_history(
                  event TEXT NOT NULL REFERENCES disaster_events(id), seq BIGINT NOT NULL, at BIGINT NOT NULL, by_whom TEXT NOT NULL,
                  action TEXT NOT NULL, old_status TEXT, new_status TEXT NOT NULL, comment TEXT, PRIMARY KEY(event, seq))
                """,
            ]
        ),
    ]

    static func history(_ dialect: SQLDialect) -> [(id: String, statements: [String])] {
        (dialect.isPostgres ? PostgresSchema.migrations : SQLiteSchema.migrations) + shared
    }

    static func run(on db: any SQLDatabase, reference: ReferenceData) async throws {
        try await db.write { c in
            if c.dialect.isPostgres {
                // One migrating process at a time (several servers may start against one database).
                try await c.execute("SELECT pg_advisory_xact_lock(4242)")
            } else {
                // A migration that rebuilds a table checks its foreign keys at commit, as GRDB's migrator did.
                try await c.execute("PRAGMA defer_foreign_keys = ON")
            }
            // `seq` keeps the order they were applied in (several apply within one second).
            try await c.execute("CREATE TABLE IF NOT EXISTS xanh_migrations(id TEXT PRIMARY KEY, seq BIGINT NOT NULL, applied_at BIGINT NOT NULL)")
            var applied = Set(try await c.query("SELECT id FROM xanh_migrations").map { try $0.text("id") })
            func record(_ id: String) async throws {
                try await c.execute(
                    """
                    INSERT INTO xanh_migrations(id, seq, applied_at)
                    SELECT \(id), coalesce(max(seq), 0) + 1, \(Int64(Date().timeIntervalSince1970)) FROM xanh_migrations
                    """)
            }
            if applied.isEmpty, !c.dialect.isPostgres {
                // A database of an earlier version was migrated by GRDB's migrator: its history carries over.
                if try await c.exists("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'grdb_migrations'") {
                    for r in try await c.query("SELECT identifier FROM grdb_migrations ORDER BY rowid") {
                        let id = try r.text("identifier")
                        try await record(id)
                        applied.insert(id)
                    }
                }
            }
            for m in history(c.dialect) where !applied.contains(m.id) {
                for statement in m.statements { try await c.execute(SQL(verbatim: statement)) }
                try await record(m.id)
            }
            let referenceID = "reference:\(reference.versionLabel)"
            if !applied.contains(referenceID) {
                try await ReferenceLoader.load(reference, c)
                try await record(referenceID)
            }
            let indicatorsID = try ReferenceLoader.indicatorLabel()
            if !applied.contains(indicatorsID) {
                try await ReferenceLoader.loadIndicators(c)
                try await record(indicatorsID)
            }
        }
    }
}

/// The bundled reference data, loaded into either engine by the same statements.
enum ReferenceLoader {
    static func load(_ r: ReferenceData, _ c: any SQLConnection) async throws {
        for p in r.parameters.parameters {
            try await c.execute(
                """
                INSERT INTO parameters(code, name_vi, name_en, unit, medium, plausible_min, plausible_max, aqi, circular10, aliases, id)
                VALUES (\(p.code), \(p.nameVi), \(p.nameEn), \(p.unit), \(p.medium), \(p.plausibleMin), \(p.plausibleMax), \(p.aqi),
                  \(p.circular10.joined(separator: "|")), \(p.aliases.joined(separator: "|")), (SELECT coalesce(max(id), 0) + 1 FROM parameters))
                ON CONFLICT(code) DO UPDATE SET name_vi=excluded.name_vi, name_en=excluded.name_en, unit=excluded.unit,
                  medium=excluded.medium, plausible_min=excluded.plausible_min, plausible_max=excluded.plausible_max,
                  aqi=excluded.aqi, circular10=excluded.circular10, aliases=excluded.aliases
                """)
        }
        for p in r.provinces {
            try await c.execute(
                """
                INSERT INTO provinces(code, name_vi, name_en, kind, communes, merged_from, valid_from)
                VALUES (\(p.code), \(p.nameVi), \(p.nameEn), \(p.kind), \(p.communes), \(p.mergedFrom.joined(separator: ";")), \(p.validFrom))
                ON CONFLICT(code) DO UPDATE SET name_vi=excluded.name_vi, name_en=excluded.name_en, kind=excluded.kind,
                  communes=excluded.communes, merged_from=excluded.merged_from, valid_from=excluded.valid_from
                """)
        }
        try await c.execute("DELETE FROM ambient_limits")
        try await c.insertRows(
            into: "ambient_limits", columns: ["standard", "parameter", "period", "value", "valid_from", "valid_to"],
            rows: r.limits.limits.map {
                [.text($0.standard), .text($0.parameter), .text($0.period.rawValue), .double($0.value), .text($0.validFrom), $0.validTo.sqlValue]
            })
        try await c.execute(
            "INSERT INTO meta(key, value) VALUES ('reference', \(r.versionLabel)) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
    }

    static func indicatorLabel() throws -> String { "indicators:\(try IndicatorCatalogue.bundled().version)+units-2025" }

    /// Bundled units and indicators; a new catalogue version re-runs it (existing values and imported units stay).
    static func loadIndicators(_ c: any SQLConnection) async throws {
        try await SQLStore.upsert(try AdminHierarchy.bundled(), c)
        for i in try IndicatorCatalogue.bundled().indicators {
            try await c.execute(
                "INSERT INTO indicators(code, definition) VALUES (\(i.code), \(StoredJSON.encode(i))) ON CONFLICT(code) DO UPDATE SET definition = excluded.definition"
            )
        }
    }
}
