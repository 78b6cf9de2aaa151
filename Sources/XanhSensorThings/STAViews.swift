import XanhStore
import XanhSQL
import XanhCore

/// The SensorThings views over the monitoring tables, in either engine's SQL: Things and ObservedProperties, then one
/// Datastream and one Observation view per arm (raw series, hourly and daily means, hourly and daily VN_AQI) and their
/// unions. Arm ids live in separate ranges (see `STAIDs`), so one id tells its arm.
///
/// JSON columns come out as text on both engines. On PostgreSQL the views call `sta_patch` (RFC 7396 merge patch, as
/// SQLite's `json_patch`), `sta_qc_name` and `sta_subindices`, which its schema defines.
public enum STAViews {
    /// The engine-specific pieces.
    struct Dialect {
        let postgres: Bool
        /// A JSON object from key/value SQL pairs.
        func object(_ pairs: String) -> String { postgres ? "json_build_object(\(pairs))" : "json_object(\(pairs))" }
        /// Merge patch of a text JSON document with a JSON value.
        func patch(_ target: String, _ patch: String) -> String {
            postgres ? "sta_patch((\(target))::json, \(patch))" : "json_patch(\(target), \(patch))"
        }
        /// A JSON expression as the text the views return.
        func text(_ json: String) -> String { postgres ? "(\(json))::text" : json }
        /// A typed NULL (PostgreSQL cannot union an untyped NULL column with a number).
        func null(_ type: String) -> String { postgres ? "NULL::\(type)" : "NULL" }
        func twoDigits(_ v: String) -> String { postgres ? "lpad(\(v)::text, 2, '0')" : "printf('%02d', \(v))" }
        /// A 0/1 flag as JSON true/false.
        func jsonBool(_ flag: String) -> String {
            postgres ? "to_json(\(flag) <> 0)" : "json(CASE WHEN \(flag) THEN 'true' ELSE 'false' END)"
        }
        func embedded(_ jsonText: String) -> String { postgres ? "(\(jsonText))::json" : "json(\(jsonText))" }
    }

    /// Every view, dependents first (the order to drop them in).
    public static let names =
        ["sta_observations", "sta_datastreams"] + STAIDs.Arm.allCases.flatMap { [$0.observationView, $0.datastreamView] }
        + ["sta_observed_properties", "sta_things"]

    public static func sql(_ dialect: SQLDialect) -> String {
        let d = Dialect(postgres: dialect.isPostgres)
        let arm = STAIDs.armSize
        let shift = STAIDs.observationShift
        let measurement = "'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement'"
        let uom = "coalesce(s.uom, \(d.text(d.object("'name', p.unit, 'symbol', p.unit, 'definition', 'https://xanh.vn/def/unit/' || p.unit"))))"
        let props = { (aggregate: String, source: String) in
            d.text(
                d.patch(
                    "coalesce(s.properties, '{}')",
                    d.object(
                        "'xanh', "
                            + d.object(
                                "'station', st.code, 'parameter', s.parameter, 'interval', s.interval, 'aggregate', '\(aggregate)', 'source', \(source)"
                            ))))
        }
        let things = """
            SELECT s.id AS id, s.name AS name, coalesce(s.description, s.name) AS description,
              CASE WHEN s.kind = 'other' THEN s.properties ELSE
              \(d.text(d.patch("coalesce(s.properties, '{}')", d.object("'xanh', " + d.object("'station', s.code, 'kind', s.kind,\n              'province', s.province, 'active', \(d.jsonBool("s.active"))"))))) END AS properties
            FROM stations s
            """
        let observedProperties = """
            SELECT p.id AS id, p.name_en AS name, coalesce(p.definition, 'https://xanh.vn/def/parameter/' || p.code) AS definition,
              coalesce(p.description, p.name_vi) AS description,
              CASE WHEN p.medium = 'other' THEN p.properties ELSE
              \(d.text(d.patch("coalesce(p.properties, '{}')", d.object("'xanh', " + d.object("'parameter', p.code, 'unit', p.unit"))))) END AS properties
            FROM parameters p
            """
        func derivedMean(
            _ k: Int64, _ aggregate: String, _ label: String, _ table: String, _ time: String, _ startShift: String, _ endShift: String
        ) -> String {
            """
            SELECT \(k * arm) + s.id AS id, s.id AS base, s.station_id AS thing_id, 1 AS sensor_id, p.id AS op_id,
              coalesce(s.name, st.name || ' · ' || p.name_en) || ' · \(label)' AS name,
              '\(label) of ' || p.name_en || ' at station ' || st.code || ' (QC-passed values; labelled by the end of the period)' AS description,
              \(uom) AS uom, \(measurement) AS observation_type,
              (SELECT min(\(time)) FROM \(table) d WHERE d.series_id = s.id)\(startShift) AS phen_start,
              (SELECT max(\(time)) FROM \(table) d WHERE d.series_id = s.id)\(endShift) AS phen_end,
              \(props(aggregate, "s.id")) AS properties
            FROM series s JOIN stations st ON st.id = s.station_id AND st.kind <> 'other' JOIN parameters p ON p.code = s.parameter
            """
        }
        func aqiStream(_ k: Int64, _ resolution: String, _ label: String) -> String {
            """
            SELECT \(k * arm) + st.id AS id, st.id AS base, st.id AS thing_id, 1 AS sensor_id,
              (SELECT id FROM parameters WHERE code = 'VN_AQI') AS op_id,
              st.name || ' · VN_AQI \(label)' AS name,
              '\(label) VN_AQI of station ' || st.code || ' (Decision 1459/QĐ-TCMT)' AS description,
              \(d.text(d.object("'name', 'VN_AQI', 'symbol', '', 'definition', 'https://xanh.vn/def/VN_AQI'"))) AS uom, \(measurement) AS observation_type,
              (SELECT min(t) FROM aqi a WHERE a.station_id = st.id AND a.scale = 'vn' AND a.resolution = '\(resolution)')
                - \(resolution == "hour" ? 3600 : 0) AS phen_start,
              (SELECT max(t) FROM aqi a WHERE a.station_id = st.id AND a.scale = 'vn' AND a.resolution = '\(resolution)')
                + \(resolution == "hour" ? 0 : 86400) AS phen_end,
              \(d.text(d.object("'xanh', " + d.object("'station', st.code, 'aggregate', 'vn_aqi_\(resolution)'")))) AS properties
            FROM stations st WHERE st.kind = 'ambient_air'
            """
        }
        let dsRaw = """
            SELECT s.id AS id, s.id AS base, s.station_id AS thing_id, coalesce(s.sensor_id, 1) AS sensor_id, p.id AS op_id,
              coalesce(s.name, st.name || ' · ' || p.name_en) AS name,
              coalesce(s.description, p.name_en || ' at station ' || st.code || ', as reported') AS description,
              \(uom) AS uom, coalesce(s.observation_type, \(measurement)) AS observation_type,
              (SELECT min(t) FROM observations o WHERE o.series_id = s.id) AS phen_start,
              (SELECT max(t) FROM observations o WHERE o.series_id = s.id) AS phen_end,
              CASE WHEN st.kind = 'other' THEN s.properties ELSE \(props("none", d.null("bigint"))) END AS properties
            FROM series s JOIN stations st ON st.id = s.station_id JOIN parameters p ON p.code = s.parameter
            """
        // The derived arms' columns, in the raw arm's order (a union matches columns by position).
        let derivedResult = { (result: String) in
            "\(d.null("float8")) AS result_time, \(result) AS result, \(d.null("text")) AS result_quality, \(d.null("float8")) AS valid_start, "
                + "\(d.null("float8")) AS valid_end"
        }
        let quality = d.object("'xanh', " + d.object("'qc', sta_qc_name(o.qc), 'deviceStatus', \(d.twoDigits("o.status"))"))
        let obsRaw = """
            SELECT coalesce(e.sta_id, o.series_id * \(shift) + o.t) AS id, o.series_id AS datastream_id, o.series_id AS base, o.t AS t,
              o.t AS phen_start, coalesce(e.phen_end, o.t) AS phen_end, e.result_time AS result_time, o.value AS result,
              coalesce(e.result_quality, CASE WHEN o.qc <> 0 OR o.status <> 0
                THEN \(d.text(quality)) END) AS result_quality,
              e.valid_start AS valid_start, e.valid_end AS valid_end, e.parameters AS parameters, coalesce(e.foi_id, s.foi_id) AS foi_id
            FROM observations o JOIN series s ON s.id = o.series_id LEFT JOIN sta_obs_extra e ON e.series_id = o.series_id AND e.t = o.t
            """
        func obsMean(_ k: Int64, _ table: String, _ timeColumn: String, _ start: String, _ end: String, _ extra: String) -> String {
            """
            SELECT (\(k * arm) + d.series_id) * \(shift) + d.\(timeColumn) AS id, \(k * arm) + d.series_id AS datastream_id,
              d.series_id AS base, d.\(timeColumn) AS t, \(start) AS phen_start, \(end) AS phen_end, \(derivedResult("d.mean")),
              \(d.text(d.object("'count', d.count, 'coverage', d.coverage, 'min', d.min, 'max', d.max\(extra)"))) AS parameters, s.foi_id AS foi_id
            FROM \(table) d JOIN series s ON s.id = d.series_id JOIN stations st ON st.id = s.station_id AND st.kind <> 'other'
            """
        }
        func obsAQI(_ k: Int64, _ resolution: String) -> String {
            let (start, end) = resolution == "hour" ? ("a.t - 3600", "a.t") : ("a.t", "a.t + 86400")
            return """
                SELECT (\(k * arm) + a.station_id) * \(shift) + a.t AS id, \(k * arm) + a.station_id AS datastream_id, a.station_id AS base,
                  a.t AS t, \(start) AS phen_start, \(end) AS phen_end, \(derivedResult("a.aqi")),
                  \(d.text(d.object("'dominant', a.dominant, 'subindices', \(d.embedded("sta_subindices(a.subindices)"))"))) AS parameters,
                  (SELECT foi_id FROM series WHERE station_id = a.station_id AND foi_id IS NOT NULL LIMIT 1) AS foi_id
                FROM aqi a WHERE a.scale = 'vn' AND a.resolution = '\(resolution)'
                """
        }
        let ds = [
            ("sta_ds_raw", dsRaw),
            ("sta_ds_hour", derivedMean(1, "hour_mean", "hourly mean", "hourly", "t", " - 3600", "")),
            ("sta_ds_day", derivedMean(2, "day_mean", "daily mean", "daily", "day", "", " + 86400")),
            ("sta_ds_aqi_hour", aqiStream(3, "hour", "hourly")),
            ("sta_ds_aqi_day", aqiStream(4, "day", "daily")),
        ]
        let obs = [
            ("sta_obs_raw", obsRaw),
            ("sta_obs_hour", obsMean(1, "hourly", "t", "d.t - 3600", "d.t", "")),
            ("sta_obs_day", obsMean(2, "daily", "day", "d.day", "d.day + 86400", ", 'hours', d.hours, 'maxHourly', d.max_hourly")),
            ("sta_obs_aqi_hour", obsAQI(3, "hour")),
            ("sta_obs_aqi_day", obsAQI(4, "day")),
        ]
        var sql = "CREATE VIEW sta_things AS \(things);\nCREATE VIEW sta_observed_properties AS \(observedProperties);\n"
        for (name, body) in ds + obs { sql += "CREATE VIEW \(name) AS \(body);\n" }
        sql += "CREATE VIEW sta_datastreams AS " + ds.map { "SELECT * FROM \($0.0)" }.joined(separator: " UNION ALL ") + ";\n"
        sql += "CREATE VIEW sta_observations AS " + obs.map { "SELECT * FROM \($0.0)" }.joined(separator: " UNION ALL ") + ";\n"
        return sql
    }
}
