import XanhSensorThings

/// The SQLite schema as its migrations built it, frozen: a database created by an earlier version took exactly these
/// steps, so they stay as they were. New migrations are written once for both engines (`Migrations.shared`).
enum SQLiteSchema {
    static var migrations: [(id: String, statements: [String])] {
        [
            ("v1-schema", [v1]), ("v2-files-qc-alerts", [v2]), ("v3-sensorthings", [v3, STAViews.sql(.sqlite)]), ("v4-indicators", [v4]),
            // The derived Observation arms listed their columns in another order than the raw arm, so the union view
            // put an hourly mean under valid_end: the views are created again.
            ("v5-sta-views", STAViews.names.map { "DROP VIEW IF EXISTS \($0)" } + [STAViews.sql(.sqlite)]),
        ]
    }

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

    /// Administrative units with history, the indicator catalogue, values with their workflow and history, targets,
    /// and key roles.
    static let v4 = """
        CREATE TABLE admin_units(
            id TEXT PRIMARY KEY, code TEXT NOT NULL, name_vi TEXT NOT NULL, name_en TEXT NOT NULL, level TEXT NOT NULL, parent TEXT,
            valid_from TEXT, valid_to TEXT, successor TEXT, boundary TEXT);
        CREATE INDEX admin_units_parent ON admin_units(parent);
        CREATE INDEX admin_units_code ON admin_units(code);
        CREATE TABLE indicators(code TEXT PRIMARY KEY, definition TEXT NOT NULL);
        CREATE TABLE indicator_values(
            indicator TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL, value REAL, numerator REAL, denominator REAL,
            status TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(indicator, unit, period)) WITHOUT ROWID;
        CREATE INDEX indicator_values_period ON indicator_values(indicator, period);
        CREATE TABLE indicator_history(
            id INTEGER PRIMARY KEY, indicator TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL,
            action TEXT NOT NULL, old_value REAL, new_value REAL, old_status TEXT, new_status TEXT NOT NULL, comment TEXT);
        CREATE INDEX indicator_history_key ON indicator_history(indicator, unit, period, id);
        CREATE TABLE indicator_targets(
            id INTEGER PRIMARY KEY, indicator TEXT NOT NULL, unit TEXT NOT NULL, target_year INTEGER NOT NULL, target_value REAL NOT NULL,
            baseline_year INTEGER NOT NULL, baseline_value REAL NOT NULL, source TEXT NOT NULL, trajectory TEXT,
            UNIQUE(indicator, unit, target_year));
        ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'editor';
        """
}
