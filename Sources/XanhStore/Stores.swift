import XanhCore

/// Errors every store reports the same way; the HTTP layer maps them to 404 / 409 / 422.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case invalid([RegistryValidation.Problem])
    /// The engine does not offer this yet (answered 501).
    case unsupported(String)

    public var description: String {
        switch self {
        case .notFound(let s): return s
        case .conflict(let s): return s
        case .invalid(let p): return p.map(\.description).joined(separator: "; ")
        case .unsupported(let s): return s
        }
    }
}

public struct IngestCounts: Sendable, Equatable {
    /// Rows stored, replacements included.
    public var accepted: Int
    /// Rows that replaced a value already stored for the same (station, parameter, time).
    public var replaced: Int
    public init(accepted: Int, replaced: Int) {
        self.accepted = accepted
        self.replaced = replaced
    }
}

/// A stored raw observation.
public struct StoredObservation: Sendable, Equatable {
    public var t: Int64
    public var value: Double
    public var status: DeviceStatus
    public var qc: StoredQC
    public init(t: Int64, value: Double, status: DeviceStatus, qc: StoredQC) {
        self.t = t
        self.value = value
        self.status = status
        self.qc = qc
    }
}

public enum AQIScale: String, Sendable, CaseIterable { case vn, us }
public enum AQIResolution: String, Sendable, CaseIterable { case hour, day }

public struct StoredAQI: Sendable, Equatable {
    public var station: String
    public var t: Int64
    public var result: AQIResult
    public init(station: String, t: Int64, result: AQIResult) {
        self.station = station
        self.t = t
        self.result = result
    }
}

/// How both engines store an AQI's sub-indices in one text column: `PM10=40;PM2.5=87`, keys sorted.
public enum AQISubindexText {
    public static func encode(_ s: [String: Int]) -> String {
        s.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }

    public static func decode(_ s: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for part in s.split(separator: ";") {
            let kv = part.split(separator: "=")
            if kv.count == 2, let v = Int(kv[1]) { out[String(kv[0])] = v }
        }
        return out
    }
}

public struct StoredExceedance: Sendable, Equatable {
    public var id: Int64
    public var station: String
    public var event: ExceedanceEvent
    public init(id: Int64, station: String, event: ExceedanceEvent) {
        self.id = id
        self.station = station
        self.event = event
    }
}

public struct DirtyMark: Sendable, Hashable {
    public var series: Int64
    public var hourEnd: Int64
    public init(series: Int64, hourEnd: Int64) {
        self.series = series
        self.hourEnd = hourEnd
    }
}

public struct SeriesInfo: Sendable, Hashable {
    public var id: Int64
    public var stationID: Int64
    public var kind: StationKind
    public var parameter: String
    public var interval: Int
    public var limits: FacilityLimitConfig?
    public init(id: Int64, stationID: Int64, kind: StationKind, parameter: String, interval: Int, limits: FacilityLimitConfig? = nil) {
        self.limits = limits
        self.id = id
        self.stationID = stationID
        self.kind = kind
        self.parameter = parameter
        self.interval = interval
    }
}

/// A series and a time range of it, as the deriver reads them.
public struct SeriesRange: Sendable, Hashable {
    public var series: Int64
    public var from: Int64
    public var to: Int64
    public init(_ series: Int64, _ from: Int64, _ to: Int64) {
        self.series = series
        self.from = from
        self.to = to
    }

    /// The series of ranges with the same bounds, in groups of at most `size` (one statement each).
    public static func groups(_ ranges: [SeriesRange], size: Int = 500) -> [(from: Int64, to: Int64, series: [Int64])] {
        var byBounds: [Pair: [Int64]] = [:]
        for r in ranges { byBounds[Pair(from: r.from, to: r.to), default: []].append(r.series) }
        return byBounds.sorted { ($0.key.from, $0.key.to) < ($1.key.from, $1.key.to) }.flatMap { bounds, ids -> [(Int64, Int64, [Int64])] in
            let sorted = Array(Set(ids)).sorted()
            return stride(from: 0, to: sorted.count, by: size).map { (bounds.from, bounds.to, Array(sorted[$0..<min(sorted.count, $0 + size)])) }
        }
    }

    struct Pair: Hashable {
        var from: Int64
        var to: Int64
    }
}

/// Replacement of derived rows over closed time ranges: rows in a range are deleted and the given ones written. A batch
/// holds at most one range per series (or station) and kind of row: the store deletes every range of a kind first and
/// then writes their rows.
public struct DerivedBatch: Sendable {
    public struct Hourly: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var rows: [HourlyStat]
        public init(series: Int64, from: Int64, to: Int64, rows: [HourlyStat]) {
            self.series = series
            self.from = from
            self.to = to
            self.rows = rows
        }
    }
    public struct Daily: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var rows: [DailyStat]
        public init(series: Int64, from: Int64, to: Int64, rows: [DailyStat]) {
            self.series = series
            self.from = from
            self.to = to
            self.rows = rows
        }
    }
    public struct AQI: Sendable {
        public var stationID: Int64
        public var scale: AQIScale
        public var resolution: AQIResolution
        public var from: Int64
        public var to: Int64
        public var rows: [(t: Int64, result: AQIResult)]
        public init(stationID: Int64, scale: AQIScale, resolution: AQIResolution, from: Int64, to: Int64, rows: [(t: Int64, result: AQIResult)]) {
            self.stationID = stationID
            self.scale = scale
            self.resolution = resolution
            self.from = from
            self.to = to
            self.rows = rows
        }
    }
    public struct Events: Sendable {
        public var series: Int64
        /// Ids of stored events this batch replaces.
        public var replace: [Int64]
        public var rows: [ExceedanceEvent]
        public init(series: Int64, replace: [Int64], rows: [ExceedanceEvent]) {
            self.series = series
            self.replace = replace
            self.rows = rows
        }
    }

    /// Flags that changed (QC sequence rules and overrides).
    public struct Flags: Sendable {
        public var series: Int64
        public var changes: [(t: Int64, qc: StoredQC)]
        public init(series: Int64, changes: [(t: Int64, qc: StoredQC)]) {
            self.series = series
            self.changes = changes
        }
    }
    /// Received / valid counts per hour, replacing [from, to] (hour ends).
    public struct Counts: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var rows: [HourCount]
        public init(series: Int64, from: Int64, to: Int64, rows: [HourCount]) {
            self.series = series
            self.from = from
            self.to = to
            self.rows = rows
        }
    }
    /// Device-error runs of a series, replacing those that start in [from, to].
    public struct DeviceErrors: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var runs: [(start: Int64, end: Int64?)]
        public init(series: Int64, from: Int64, to: Int64, runs: [(start: Int64, end: Int64?)]) {
            self.series = series
            self.from = from
            self.to = to
            self.runs = runs
        }
    }

    public var flags: [Flags] = []
    public var counts: [Counts] = []
    public var deviceErrors: [DeviceErrors] = []
    public var hourly: [Hourly] = []
    public var daily: [Daily] = []
    public var aqi: [AQI] = []
    public var events: [Events] = []
    /// Dirty marks with seq ≤ this are removed in the same transaction.
    public var clearDirtyUpTo: Int64?

    public init() {}
}
