import XanhCore
import XanhSQL
import XanhStore

/// Query results as the SensorThings code reads them (`.rows`, `.records`: the same rows).
struct STARows: Sendable {
    let rows: [SQLRow]
    var records: [SQLRow] { rows }
}

/// The SensorThings code composes statement text itself (views, compiled `$filter`s); these read it with `?`
/// arguments over the seam.
extension SQLConnection {
    func query(_ text: String, _ arguments: [SQLValue]) async throws -> STARows { STARows(rows: try await query(SQL(verbatim: text, arguments))) }

    @discardableResult func execute(_ text: String, _ arguments: [SQLValue]) async throws -> Int { try await execute(SQL(verbatim: text, arguments)) }

    func scalar(_ text: String, _ arguments: [SQLValue] = []) async throws -> SQLValue { try await scalar(SQL(verbatim: text, arguments)) }

    /// Runs an `INSERT` into a table keyed by `id` and returns the new row's id.
    func insert(_ text: String, _ arguments: [SQLValue]) async throws -> Int64 { try await insertReturningID(SQL(verbatim: text, arguments)) }
}

/// Where the SensorThings service reads and writes: the monitoring store's database, and its way of storing
/// observations (validation of the batch, dirty marks), inside the service's own transaction.
public protocol SensorThingsSource: Sendable {
    func staRead<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// One transaction: all of the body or nothing.
    func staWrite<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// Stores observations the way every other path in does, inside the caller's transaction.
    func staIngest(_ rows: [ValidObservation], _ c: any SQLConnection) async throws
}

/// How SensorThings ids map onto the monitoring tables.
///
/// A Datastream is a series (raw values) or one of its rollups; the arm sits in the id's high bits so one id tells
/// where to look. An Observation's id is its Datastream id × 2³² + its time in seconds, unless it was moved in time
/// after it was created, in which case it keeps its first id (`sta_obs_extra.sta_id`).
public enum STAIDs {
    public static let armSize: Int64 = 1 << 24
    public static let observationShift: Int64 = 1 << 32

    public enum Arm: Int64, Sendable, CaseIterable {
        case raw = 0, hourMean = 1, dayMean = 2, aqiHour = 3, aqiDay = 4

        public var datastreamView: String {
            ["sta_ds_raw", "sta_ds_hour", "sta_ds_day", "sta_ds_aqi_hour", "sta_ds_aqi_day"][Int(rawValue)]
        }
        public var observationView: String {
            ["sta_obs_raw", "sta_obs_hour", "sta_obs_day", "sta_obs_aqi_hour", "sta_obs_aqi_day"][Int(rawValue)]
        }

        /// The table an arm's Observations are rows of: its key (the Datastream's base) and time columns, and the
        /// condition that picks the arm's rows.
        var table: (name: String, key: String, time: String, condition: String) {
            switch self {
            case .raw: ("observations", "series_id", "t", "")
            case .hourMean: ("hourly", "series_id", "t", "")
            case .dayMean: ("daily", "series_id", "day", "")
            case .aqiHour: ("aqi", "station_id", "t", " AND m.scale = 'vn' AND m.resolution = 'hour'")
            case .aqiDay: ("aqi", "station_id", "t", " AND m.scale = 'vn' AND m.resolution = 'day'")
            }
        }

        /// The latest Observation of each of these Datastreams (by base) and whether it has earlier ones
        /// (`sta_more`), in one statement: an index seek for each Datastream's latest time, then its row. SQLite seeks
        /// from a correlated subquery over the Datastreams' own table; PostgreSQL, whose planner will not seek an index
        /// from a subplan, from a `LATERAL` join.
        func latestObservations(_ bases: [Int64], postgres: Bool) -> String {
            let (table, key, time, condition) = self.table
            let more = { (base: String) in
                "CASE WHEN EXISTS (SELECT 1 FROM \(table) m WHERE m.\(key) = \(base)\(condition) AND m.\(time) < e.t) THEN 1 ELSE 0 END AS sta_more"
            }
            if postgres {
                return """
                    SELECT e.*, \(more("b.base")) FROM (VALUES \(bases.map { "(\($0))" }.joined(separator: ","))) AS b(base)
                    CROSS JOIN LATERAL (SELECT max(m.\(time)) AS t FROM \(table) m WHERE m.\(key) = b.base\(condition)) x
                    JOIN \(observationView) e ON e.base = b.base AND e.t = x.t
                    """
            }
            let owner = table == "aqi" ? "stations" : "series"
            return """
                SELECT e.*, \(more("l.id")) FROM \(owner) l
                JOIN \(observationView) e ON e.base = l.id AND e.t = (SELECT max(m.\(time)) FROM \(table) m WHERE m.\(key) = l.id\(condition))
                WHERE l.id IN (\(bases.map(String.init).joined(separator: ",")))
                """
        }
    }

    public static func datastream(_ id: Int64) -> (arm: Arm, base: Int64)? {
        guard id > 0, let arm = Arm(rawValue: id / armSize) else { return nil }
        let base = id % armSize
        return base > 0 ? (arm, base) : nil
    }

    public static func datastreamID(_ arm: Arm, _ base: Int64) -> Int64 { arm.rawValue * armSize + base }

    public static func observation(_ id: Int64) -> (datastream: Int64, t: Int64)? {
        guard id > 0 else { return nil }
        let ds = id / observationShift
        guard datastream(ds) != nil else { return nil }
        return (ds, id % observationShift)
    }

    public static func observationID(series: Int64, t: Int64) -> Int64 { series * observationShift + t }
}
