import XanhCore
import XanhStore

/// The SensorThings layer on PostgreSQL: the functions the shared views and `$filter` translation call, the triggers
/// that give a station its Location and FeatureOfInterest (as the SQLite schema's), and the views themselves
/// (`STAViews`, shared with SQLite).
extension PGSchema {
    static var sensorThings: [String] {
        functions + triggers + backfill + PGSchema.statements(STAViews.sql(.postgres(postgis: nil)))
    }

    /// `sta_qc_name`'s table, from the flags themselves.
    static var qcNames: String {
        "CASE q & 127 " + QCFlag.allCases.map { "WHEN \($0.rawValue) THEN '\($0.key)' " }.joined() + "ELSE 'ok' END"
    }

    static let functions = [
        // RFC 7396 merge patch, as SQLite's json_patch: keeps the target's member order, a null in the patch removes.
        """
        CREATE FUNCTION sta_patch(target json, patch json) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE parts text[] := '{}'; k text; v json; p json;
        BEGIN
          IF patch IS NULL THEN RETURN target; END IF;
          IF json_typeof(patch) <> 'object' THEN RETURN patch; END IF;
          IF target IS NULL OR json_typeof(target) <> 'object' THEN target := '{}'; END IF;
          FOR k, v IN SELECT key, value FROM json_each(target) LOOP
            p := patch -> k;
            IF p IS NULL THEN parts := parts || (to_json(k)::text || ':' || v::text);
            ELSIF json_typeof(p) <> 'null' THEN parts := parts || (to_json(k)::text || ':' || sta_patch(v, p)::text);
            END IF;
          END LOOP;
          FOR k, v IN SELECT key, value FROM json_each(patch) LOOP
            IF target -> k IS NULL AND json_typeof(v) <> 'null' THEN
              parts := parts || (to_json(k)::text || ':' || sta_patch(NULL, v)::text);
            END IF;
          END LOOP;
          RETURN ('{' || array_to_string(parts, ',') || '}')::json;
        END $$
        """,
        // A number's text as JSON writes it (3, not 3.0), for comparing a number with a string.
        """
        CREATE FUNCTION sta_text(x double precision) RETURNS text LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN x = trunc(x) AND abs(x) < 1e15 THEN trunc(x)::bigint::text ELSE x::text END $$
        """,
        "CREATE FUNCTION sta_text(x bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT x::text $$",
        "CREATE FUNCTION sta_text(x text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT x $$",
        // A JSON member as a number, as SQLite's json_extract gives it (true is 1, false 0; other kinds NULL).
        """
        CREATE FUNCTION sta_num(v jsonb) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
          SELECT CASE jsonb_typeof(v) WHEN 'number' THEN (v #>> '{}')::double precision
            WHEN 'boolean' THEN CASE WHEN v = 'true'::jsonb THEN 1 ELSE 0 END END $$
        """,
        // mod as C's fmod (the sign of the dividend); NULL for a zero divisor.
        """
        CREATE FUNCTION sta_mod(a double precision, b double precision) RETURNS double precision LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN b = 0 THEN NULL ELSE a - b * trunc(a / b) END $$
        """,
        "CREATE FUNCTION sta_floor(x double precision) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$ SELECT floor(x) $$",
        "CREATE FUNCTION sta_ceil(x double precision) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$ SELECT ceil(x) $$",
        // Half away from zero (PostgreSQL's round of a double rounds half to even).
        """
        CREATE FUNCTION sta_round(x double precision) RETURNS double precision LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN x < 0 THEN -floor(-x + 0.5) ELSE floor(x + 0.5) END $$
        """,
        """
        CREATE FUNCTION sta_qc_name(q bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
        $$ SELECT \(qcNames) || CASE WHEN q & 128 <> 0 THEN ' (override)' ELSE '' END $$
        """,
        // `PM2.5=120;O3=40` → {"O3":40,"PM2.5":120}, keys in byte order (AQISubindexText).
        """
        CREATE FUNCTION sta_subindices(s text) RETURNS json LANGUAGE sql IMMUTABLE AS $$
          SELECT coalesce(json_object_agg(k, v ORDER BY k COLLATE "C"), '{}'::json)
          FROM (SELECT split_part(p, '=', 1) AS k, split_part(p, '=', 2)::bigint AS v
                FROM unnest(string_to_array(s, ';')) AS p WHERE p ~ '^[^=]+=-?[0-9]+$') x $$
        """,
        "CREATE FUNCTION sta_point(lon double precision, lat double precision) RETURNS text LANGUAGE sql IMMUTABLE AS "
            + "$$ SELECT json_build_object('type', 'Point', 'coordinates', json_build_array(lon, lat))::text $$",
    ]

    /// The station triggers. `migrate-data` sets `xanh.copying` for its transactions: copied rows bring their
    /// Locations and Features with them.
    static let triggers = [
        """
        CREATE FUNCTION sta_station_location() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE loc bigint;
        BEGIN
          IF current_setting('xanh.copying', true) = 'on' THEN RETURN NULL; END IF;
          INSERT INTO sta_locations(name, description, encoding_type, location, station_id)
            VALUES (NEW.name, 'Station ' || NEW.code, 'application/geo+json', sta_point(NEW.longitude, NEW.latitude), NEW.id)
            RETURNING id INTO loc;
          INSERT INTO sta_thing_locations(thing_id, location_id) VALUES (NEW.id, loc);
          RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER sta_station_location AFTER INSERT ON stations FOR EACH ROW
          WHEN (NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL) EXECUTE FUNCTION sta_station_location()
        """,
        """
        CREATE FUNCTION sta_station_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('xanh.copying', true) = 'on' THEN RETURN NULL; END IF;
          UPDATE sta_locations SET location = sta_point(NEW.longitude, NEW.latitude)
            WHERE station_id = NEW.id AND (location::jsonb ->> 'type') = 'Point';
          UPDATE sta_features SET feature = (SELECT location FROM sta_locations l WHERE l.id = sta_features.location_id)
            WHERE location_id IN (SELECT id FROM sta_locations WHERE station_id = NEW.id);
          INSERT INTO sta_locations(name, description, encoding_type, location, station_id)
            SELECT NEW.name, 'Station ' || NEW.code, 'application/geo+json', sta_point(NEW.longitude, NEW.latitude), NEW.id
            WHERE NOT EXISTS (SELECT 1 FROM sta_thing_locations WHERE thing_id = NEW.id);
          INSERT INTO sta_thing_locations(thing_id, location_id)
            SELECT NEW.id, id FROM sta_locations WHERE station_id = NEW.id
            AND NOT EXISTS (SELECT 1 FROM sta_thing_locations WHERE thing_id = NEW.id) ON CONFLICT DO NOTHING;
          RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER sta_station_moved AFTER UPDATE OF latitude, longitude ON stations FOR EACH ROW
          WHEN (NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL
            AND (OLD.latitude IS DISTINCT FROM NEW.latitude OR OLD.longitude IS DISTINCT FROM NEW.longitude))
          EXECUTE FUNCTION sta_station_moved()
        """,
        """
        CREATE FUNCTION sta_location_feature() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE f bigint;
        BEGIN
          IF current_setting('xanh.copying', true) = 'on' THEN RETURN NULL; END IF;
          INSERT INTO sta_features(name, description, encoding_type, feature, location_id)
            VALUES (NEW.name, NEW.description, NEW.encoding_type, NEW.location, NEW.id) RETURNING id INTO f;
          UPDATE series SET foi_id = f WHERE station_id = NEW.station_id AND foi_id IS NULL;
          RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER sta_location_feature AFTER INSERT ON sta_locations FOR EACH ROW
          WHEN (NEW.station_id IS NOT NULL) EXECUTE FUNCTION sta_location_feature()
        """,
        """
        CREATE FUNCTION sta_series_feature() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('xanh.copying', true) = 'on' THEN RETURN NULL; END IF;
          UPDATE series SET foi_id = (
              SELECT f.id FROM sta_features f JOIN sta_thing_locations tl ON tl.location_id = f.location_id
              WHERE tl.thing_id = NEW.station_id ORDER BY f.id DESC LIMIT 1)
            WHERE id = NEW.id;
          RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER sta_series_feature AFTER INSERT ON series FOR EACH ROW
          WHEN (NEW.foi_id IS NULL) EXECUTE FUNCTION sta_series_feature()
        """,
        "CREATE INDEX sta_locations_station ON sta_locations(station_id)",
        "CREATE INDEX sta_thing_locations_location ON sta_thing_locations(location_id)",
        "CREATE INDEX sta_historical_locations_thing ON sta_historical_locations(thing_id, \"time\")",
        "CREATE INDEX sta_hl_locations_location ON sta_hl_locations(location_id)",
        "CREATE INDEX sta_features_location ON sta_features(location_id)",
        "CREATE UNIQUE INDEX sta_obs_extra_id ON sta_obs_extra(sta_id) WHERE sta_id IS NOT NULL",
        "CREATE INDEX sta_obs_extra_foi ON sta_obs_extra(foi_id) WHERE foi_id IS NOT NULL",
        "CREATE INDEX series_sensor ON series(sensor_id)",
    ]

    /// Stations stored before this migration (or copied in without their Locations) get theirs.
    static let backfill = [
        """
        INSERT INTO sta_locations(name, description, encoding_type, location, station_id)
          SELECT name, 'Station ' || code, 'application/geo+json', sta_point(longitude, latitude), id FROM stations s
          WHERE latitude IS NOT NULL AND longitude IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM sta_thing_locations tl WHERE tl.thing_id = s.id)
          ORDER BY id
        """,
        """
        INSERT INTO sta_thing_locations(thing_id, location_id)
          SELECT station_id, id FROM sta_locations l WHERE station_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM sta_thing_locations tl WHERE tl.thing_id = l.station_id)
        """,
    ]

    /// The geospatial `$filter` functions over PostGIS, qualified by the schema it is installed in. Replaced at every
    /// start, so installing PostGIS later needs only a restart. Their signatures use only `text`, so a dump of the
    /// store's schema restores into a database without PostGIS (the functions then answer 501 until it is installed).
    static func geometryFunctions(postgis g: String) -> [String] {
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
