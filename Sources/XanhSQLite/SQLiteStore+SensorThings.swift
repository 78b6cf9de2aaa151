import Foundation
import GRDB
import XanhCore
import XanhStore

extension Schema {
    /// SensorThings API over the monitoring tables: stations are Things, series are Datastreams, parameters are
    /// ObservedProperties, and the rollups are derived Datastreams. Only what the monitoring model lacks gets a table.
    static let v3 = """
        CREATE TABLE stations_new(
            id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
            province TEXT REFERENCES provinces(code), facility_id INTEGER REFERENCES facilities(id),
            latitude REAL, longitude REAL, active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            silence_after INTEGER, limits TEXT, description TEXT, properties TEXT);
        INSERT INTO stations_new(id, code, name, kind, province, facility_id, latitude, longitude, active, created_at, updated_at,
            silence_after, limits)
          SELECT id, code, name, kind, province, facility_id, latitude, longitude, active, created_at, updated_at, silence_after, limits
          FROM stations;
        DROP TABLE stations;
        ALTER TABLE stations_new RENAME TO stations;

        ALTER TABLE parameters ADD COLUMN id INTEGER;
        ALTER TABLE parameters ADD COLUMN definition TEXT;
        ALTER TABLE parameters ADD COLUMN description TEXT;
        ALTER TABLE parameters ADD COLUMN properties TEXT;
        UPDATE parameters SET id = (SELECT count(*) FROM parameters p2 WHERE p2.code <= parameters.code);
        CREATE UNIQUE INDEX parameters_id ON parameters(id);
        INSERT INTO parameters(code, name_vi, name_en, unit, medium, aqi, circular10, aliases, id, definition, description)
          VALUES ('VN_AQI', 'Chỉ số chất lượng không khí Việt Nam', 'Vietnam Air Quality Index', '', 'index', 0, '', '',
            (SELECT coalesce(max(id), 0) + 1 FROM parameters), 'https://xanh.vn/def/VN_AQI',
            'VN_AQI computed under Decision 1459/QĐ-TCMT (hourly NowCast and daily)');

        ALTER TABLE series ADD COLUMN name TEXT;
        ALTER TABLE series ADD COLUMN description TEXT;
        ALTER TABLE series ADD COLUMN uom TEXT;
        ALTER TABLE series ADD COLUMN observation_type TEXT;
        ALTER TABLE series ADD COLUMN properties TEXT;
        ALTER TABLE series ADD COLUMN sensor_id INTEGER;
        ALTER TABLE series ADD COLUMN foi_id INTEGER;
        CREATE INDEX series_sensor ON series(sensor_id);
        CREATE INDEX series_parameter ON series(parameter);

        CREATE TABLE sta_sensors(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, encoding_type TEXT NOT NULL, metadata TEXT NOT NULL,
            properties TEXT);
        INSERT INTO sta_sensors(id, name, description, encoding_type, metadata) VALUES (1,
            'Automatic continuous monitoring station',
            'Analysers and data logger of an automatic station reporting under Circular 10/2021/TT-BTNMT', 'text/html',
            '"https://thuvienphapluat.vn/van-ban/Tai-nguyen-Moi-truong/Thong-tu-10-2021-TT-BTNMT"');
        CREATE TABLE sta_locations(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, encoding_type TEXT NOT NULL, location TEXT NOT NULL,
            properties TEXT, station_id INTEGER);
        CREATE INDEX sta_locations_station ON sta_locations(station_id);
        CREATE TABLE sta_thing_locations(thing_id INTEGER NOT NULL, location_id INTEGER NOT NULL, PRIMARY KEY(thing_id, location_id));
        CREATE INDEX sta_thing_locations_location ON sta_thing_locations(location_id);
        CREATE TABLE sta_historical_locations(id INTEGER PRIMARY KEY, thing_id INTEGER NOT NULL, time REAL NOT NULL);
        CREATE INDEX sta_historical_locations_thing ON sta_historical_locations(thing_id, time);
        CREATE TABLE sta_hl_locations(hl_id INTEGER NOT NULL, location_id INTEGER NOT NULL, PRIMARY KEY(hl_id, location_id));
        CREATE INDEX sta_hl_locations_location ON sta_hl_locations(location_id);
        CREATE TABLE sta_features(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, encoding_type TEXT NOT NULL, feature TEXT NOT NULL,
            properties TEXT, location_id INTEGER);
        CREATE INDEX sta_features_location ON sta_features(location_id);
        CREATE TABLE sta_obs_extra(
            series_id INTEGER NOT NULL, t INTEGER NOT NULL, sta_id INTEGER, phen_end REAL, result_time REAL, valid_start REAL,
            valid_end REAL, result_quality TEXT, parameters TEXT, foi_id INTEGER, PRIMARY KEY(series_id, t)) WITHOUT ROWID;
        CREATE UNIQUE INDEX sta_obs_extra_id ON sta_obs_extra(sta_id) WHERE sta_id IS NOT NULL;
        CREATE INDEX sta_obs_extra_foi ON sta_obs_extra(foi_id) WHERE foi_id IS NOT NULL;

        -- A station's coordinates are its Location; the Location gets a FeatureOfInterest; new series observe it.
        CREATE TRIGGER sta_station_location AFTER INSERT ON stations
          WHEN NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL BEGIN
            INSERT INTO sta_locations(name, description, encoding_type, location, station_id)
              VALUES (NEW.name, 'Station ' || NEW.code, 'application/geo+json',
                json_object('type', 'Point', 'coordinates', json_array(NEW.longitude, NEW.latitude)), NEW.id);
            INSERT INTO sta_thing_locations(thing_id, location_id) VALUES (NEW.id, last_insert_rowid());
          END;
        CREATE TRIGGER sta_station_moved AFTER UPDATE OF latitude, longitude ON stations
          WHEN NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL
            AND (OLD.latitude IS NOT NEW.latitude OR OLD.longitude IS NOT NEW.longitude) BEGIN
            UPDATE sta_locations SET location = json_object('type', 'Point', 'coordinates', json_array(NEW.longitude, NEW.latitude))
              WHERE station_id = NEW.id AND json_extract(location, '$.type') = 'Point';
            UPDATE sta_features SET feature = (SELECT location FROM sta_locations l WHERE l.id = sta_features.location_id)
              WHERE location_id IN (SELECT id FROM sta_locations WHERE station_id = NEW.id);
            INSERT INTO sta_locations(name, description, encoding_type, location, station_id)
              SELECT NEW.name, 'Station ' || NEW.code, 'application/geo+json',
                json_object('type', 'Point', 'coordinates', json_array(NEW.longitude, NEW.latitude)), NEW.id
              WHERE NOT EXISTS (SELECT 1 FROM sta_thing_locations WHERE thing_id = NEW.id);
            INSERT OR IGNORE INTO sta_thing_locations(thing_id, location_id)
              SELECT NEW.id, id FROM sta_locations WHERE station_id = NEW.id
              AND NOT EXISTS (SELECT 1 FROM sta_thing_locations WHERE thing_id = NEW.id);
          END;
        CREATE TRIGGER sta_location_feature AFTER INSERT ON sta_locations WHEN NEW.station_id IS NOT NULL BEGIN
            INSERT INTO sta_features(name, description, encoding_type, feature, location_id)
              VALUES (NEW.name, NEW.description, NEW.encoding_type, NEW.location, NEW.id);
            UPDATE series SET foi_id = last_insert_rowid() WHERE station_id = NEW.station_id AND foi_id IS NULL;
          END;
        CREATE TRIGGER sta_series_feature AFTER INSERT ON series WHEN NEW.foi_id IS NULL BEGIN
            UPDATE series SET foi_id = (
                SELECT f.id FROM sta_features f JOIN sta_thing_locations tl ON tl.location_id = f.location_id
                WHERE tl.thing_id = NEW.station_id ORDER BY f.id DESC LIMIT 1)
              WHERE id = NEW.id;
          END;

        INSERT INTO sta_locations(name, description, encoding_type, location, station_id)
          SELECT name, 'Station ' || code, 'application/geo+json',
            json_object('type', 'Point', 'coordinates', json_array(longitude, latitude)), id
          FROM stations WHERE latitude IS NOT NULL AND longitude IS NOT NULL ORDER BY id;
        INSERT INTO sta_thing_locations(thing_id, location_id) SELECT station_id, id FROM sta_locations;

        """

    static var v3Views: String { STAViews.sql(.sqlite) }
}

/// SQL functions the SensorThings compiler emits (`sta_*`): geometry predicates, decimal `mod`, `floor`/`ceiling`,
/// the text form of a number (for comparing a number with a string literal) and QC flag names.
enum STASQLFunctions {
    static func register(_ db: Database) {
        db.add(function: DatabaseFunction("sta_text", argumentCount: 1, pure: true) { v in
            switch v[0].storage {
            case .double(let d): return JSONValue.formatNumber(d)
            case .int64(let i): return String(i)
            case .string(let s): return s
            default: return nil
            }
        })
        db.add(function: DatabaseFunction("sta_mod", argumentCount: 2, pure: true) { v in
            guard let a = Double.fromDatabaseValue(v[0]), let b = Double.fromDatabaseValue(v[1]), b != 0 else { return nil }
            return fmod(a, b)
        })
        db.add(function: DatabaseFunction("sta_floor", argumentCount: 1, pure: true) { v in Double.fromDatabaseValue(v[0]).map { $0.rounded(.down) } })
        db.add(function: DatabaseFunction("sta_ceil", argumentCount: 1, pure: true) { v in Double.fromDatabaseValue(v[0]).map { $0.rounded(.up) } })
        db.add(function: DatabaseFunction("sta_round", argumentCount: 1, pure: true) { v in
            Double.fromDatabaseValue(v[0]).map { $0.rounded(.toNearestOrAwayFromZero) }
        })
        db.add(function: DatabaseFunction("sta_qc_name", argumentCount: 1, pure: true) { v in
            guard let raw = Int.fromDatabaseValue(v[0]) else { return nil }
            let qc = StoredQC(raw: raw)
            return qc.flag.key + (qc.overridden ? " (override)" : "")
        })
        db.add(function: DatabaseFunction("sta_subindices", argumentCount: 1, pure: true) { v in
            guard let text = String.fromDatabaseValue(v[0]) else { return nil }
            let s = AQISubindexText.decode(text)
            return JSONValue.object(s.keys.sorted().map { ($0, .number(String(s[$0]!))) }).text
        })
        db.add(function: DatabaseFunction("sta_geo", argumentCount: -1, pure: true) { v in
            guard v.count >= 2, let name = String.fromDatabaseValue(v[0]), let a = geometry(v[1]) else { return nil }
            let b = v.count > 2 ? geometry(v[2]) : nil
            if v.count > 2, b == nil { return nil }
            return Geometry.evaluate(name, a, b, pattern: v.count > 3 ? String.fromDatabaseValue(v[3]) : nil)
        })
    }

    private static func geometry(_ v: DatabaseValue) -> Geometry? {
        guard let text = String.fromDatabaseValue(v), let json = try? JSONValue.parse(text) else { return nil }
        return try? Geometry.fromGeoJSON(json)
    }
}

/// One GRDB database connection seen through the engine-neutral `SQLConnection`.
struct GRDBConnection: SQLConnection {
    let db: Database

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> SQLRows {
        let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue)))
        var out = SQLRows(columns: [], rows: [])
        while let row = try rows.next() {
            if out.columns.isEmpty { out.columns = Array(row.columnNames) }
            out.rows.append(row.databaseValues.map(SQLValue.init))
        }
        return out
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try db.execute(sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue)))
        return db.changesCount
    }

    var dialect: SQLDialect { .sqlite }

    func insert(_ sql: String, _ arguments: [SQLValue]) throws -> Int64 {
        try db.execute(sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue)))
        return db.lastInsertedRowID
    }

    func ingest(_ rows: [ValidObservation]) throws { _ = try SQLiteStore.ingest(rows, db) }
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

extension SQLiteStore: SensorThingsStore {
    public func staRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await writer.read { db in try body(GRDBConnection(db: db)) }
    }

    public func staWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        defer { directoryCache.set(nil) }
        return try await writer.write { db in try body(GRDBConnection(db: db)) }
    }
}
