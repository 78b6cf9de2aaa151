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

/// The registry of stations, facilities and API keys.
public protocol RegistryStore: Sendable {
    func createStation(_ s: Station) async throws -> Station
    /// Replaces the station with the same code (its parameters included).
    func updateStation(_ s: Station) async throws -> Station
    func station(code: String) async throws -> Station?
    /// Stations ordered by code, after the cursor code.
    func stations(after: String?, limit: Int, kind: StationKind?, province: String?) async throws -> [Station]
    func setStationActive(code: String, active: Bool) async throws

    func createFacility(_ f: Facility) async throws -> Facility
    func updateFacility(_ f: Facility) async throws -> Facility
    func facility(id: Int64) async throws -> Facility?
    func facilities(after: Int64?, limit: Int) async throws -> [Facility]
    func setFacilityActive(id: Int64, active: Bool) async throws

    func createAPIKey(name: String, hash: String) async throws
    /// The name of the key with this hash, if it exists and is not revoked.
    func apiKeyName(hash: String) async throws -> String?

    /// The station → parameter → series map the ingest validator uses.
    func seriesDirectory() async throws -> SeriesDirectory
}

/// Raw observations in, derived series out.
public protocol ObservationStore: Sendable {
    /// Stores rows (upsert by series and time) and marks the hours they touch for derivation, in one transaction.
    /// Returns once the rows are durable.
    func ingest(_ rows: [ValidObservation]) async throws -> IngestCounts
    func observationCount() async throws -> Int
    func rawSeries(station: String, parameter: String, from: Int64, to: Int64, limit: Int) async throws -> [StoredObservation]
    func hourlySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [HourlyStat]
    func dailySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [DailyStat]
    func aqiSeries(station: String, scale: AQIScale, resolution: AQIResolution, from: Int64, to: Int64) async throws -> [StoredAQI]
    /// The latest hourly VN_AQI of every active ambient-air station that has one.
    func latestAQI() async throws -> [StoredAQI]
    func exceedances(station: String?, from: Int64, to: Int64, afterID: Int64?, limit: Int) async throws -> [StoredExceedance]
}

/// Primitives the `Deriver` builds on. Every engine implements these; the maths stays in XanhCore.
public protocol DerivationStore: Sendable {
    /// Up to `limit` pending dirty marks, and the largest sequence number among them.
    func pendingDirty(limit: Int) async throws -> (maxSeq: Int64, marks: [DirtyMark])
    func seriesInfo(ids: [Int64]) async throws -> [SeriesInfo]
    /// All series of a station.
    func seriesOfStation(_ stationID: Int64) async throws -> [SeriesInfo]
    /// Raw points with from < t ≤ to, sorted, with their stored flags.
    func qcPoints(series: Int64, from: Int64, to: Int64) async throws -> [(point: QCPoint, qc: StoredQC)]
    /// Overrides of a series overlapping [from, to], oldest first.
    func overrides(series: Int64, from: Int64, to: Int64) async throws -> [QCOverride]
    /// Hourly rows with from ≤ hourEnd ≤ to, sorted.
    func hourly(series: Int64, from: Int64, to: Int64) async throws -> [HourlyStat]
    /// Daily rows with from ≤ dayStart ≤ to, sorted.
    func daily(series: Int64, from: Int64, to: Int64) async throws -> [DailyStat]
    /// Events of a series and period overlapping [from, to] (end ≥ from and start ≤ to), with their ids.
    func events(series: Int64, period: AveragingPeriod, from: Int64, to: Int64) async throws -> [(id: Int64, event: ExceedanceEvent)]
    /// Applies one batch of derived results in one transaction.
    func apply(_ batch: DerivedBatch) async throws
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

/// Replacement of derived rows over closed time ranges: rows in a range are deleted and the given ones written.
public struct DerivedBatch: Sendable {
    public struct Hourly: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var rows: [HourlyStat]
    }
    public struct Daily: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var rows: [DailyStat]
    }
    public struct AQI: Sendable {
        public var stationID: Int64
        public var scale: AQIScale
        public var resolution: AQIResolution
        public var from: Int64
        public var to: Int64
        public var rows: [(t: Int64, result: AQIResult)]
    }
    public struct Events: Sendable {
        public var series: Int64
        /// Ids of stored events this batch replaces.
        public var replace: [Int64]
        public var rows: [ExceedanceEvent]
    }

    /// Flags that changed (QC sequence rules and overrides).
    public struct Flags: Sendable {
        public var series: Int64
        public var changes: [(t: Int64, qc: StoredQC)]
    }
    /// Received / valid counts per hour, replacing [from, to] (hour ends).
    public struct Counts: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var rows: [HourCount]
    }
    /// Device-error runs of a series, replacing those that start in [from, to].
    public struct DeviceErrors: Sendable {
        public var series: Int64
        public var from: Int64
        public var to: Int64
        public var runs: [(start: Int64, end: Int64?)]
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

extension RegistryStore {
    /// Every station, active or not, ordered by code (read page by page).
    public func allStations(pageSize: Int = 5000) async throws -> [Station] {
        var out: [Station] = []
        var cursor: String?
        repeat {
            let page = try await stations(after: cursor, limit: pageSize, kind: nil, province: nil)
            out += page
            cursor = page.count == pageSize ? page.last?.code : nil
        } while cursor != nil
        return out
    }
}

public typealias Store = RegistryStore & ObservationStore & DerivationStore
