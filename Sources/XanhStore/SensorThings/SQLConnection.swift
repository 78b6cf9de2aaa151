import XanhCore

/// A value as SQL engines hand them over.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public var int64: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d): return d == d.rounded() ? Int64(d) : nil
        case .text(let s): return Int64(s)
        case .null: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .text(let s): return Double(s)
        case .null: return nil
        }
    }

    public var text: String? {
        switch self {
        case .text(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return JSONValue.formatNumber(d)
        case .null: return nil
        }
    }

    public var isNull: Bool { self == .null }
}

/// Rows of one query, with their column names.
public struct SQLRows: Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]
    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }

    public var records: [SQLRecord] {
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return rows.map { SQLRecord(index: index, values: $0) }
    }
}

public struct SQLRecord: Sendable {
    let index: [String: Int]
    public let values: [SQLValue]
    public subscript(_ column: String) -> SQLValue {
        guard let i = index[column] else { return .null }
        return values[i]
    }
}

/// The SQL an engine speaks, where the SensorThings layer must tell them apart (`$filter` functions, JSON paths,
/// time formatting).
public enum SQLDialect: Sendable, Equatable {
    case sqlite
    /// `postgis`: the schema the PostGIS extension lives in, or nil when it is not installed (then the geospatial
    /// `$filter` functions answer 501).
    case postgres(postgis: String?)

    public var isPostgres: Bool { if case .postgres = self { true } else { false } }
}

/// One connection inside a read or write transaction. The SensorThings layer composes its SQL in XanhStore and runs it
/// through this seam, so every engine shares the query translation.
public protocol SQLConnection {
    var dialect: SQLDialect { get }
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> SQLRows
    /// Returns the number of rows changed.
    @discardableResult func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int
    /// Runs an `INSERT` into a table keyed by `id` and returns the new row's id.
    func insert(_ sql: String, _ arguments: [SQLValue]) throws -> Int64
    /// The engine's observation upsert (rows, dirty marks, latest times), inside the caller's transaction.
    func ingest(_ rows: [ValidObservation]) throws
}

extension SQLConnection {
    public func scalar(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLValue {
        try query(sql, arguments).rows.first?.first ?? .null
    }
}

/// The stores that serve the SensorThings API.
public protocol SensorThingsStore: Sendable {
    func staRead<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// One transaction: all of the body or nothing.
    func staWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
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
