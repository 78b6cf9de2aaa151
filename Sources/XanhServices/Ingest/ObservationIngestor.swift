import XanhCore
import XanhStore

/// Where the use cases count what they did (Prometheus counters in the server; nothing in a command).
public struct Counters: Sendable {
    public let increment: @Sendable (_ name: String, _ help: String, _ by: Int64) -> Void
    public init(_ increment: @escaping @Sendable (_ name: String, _ help: String, _ by: Int64) -> Void) { self.increment = increment }
    public static let none = Counters { _, _, _ in }
}

/// Validates rows and stores the valid ones: the one way observations come in, for the JSON API, CSV imports and
/// the CLI (the drop folder and SensorThings validate the same way and store through the same store method).
public struct ObservationIngestor: Sendable {
    let stations: any StationStore
    let observations: any ObservationStore
    let catalogue: ParameterCatalogue
    let limits: Limits
    let clock: @Sendable () -> Int64
    let health: HealthMonitor
    let counters: Counters

    public init(
        stations: any StationStore, observations: any ObservationStore, catalogue: ParameterCatalogue, limits: Limits, health: HealthMonitor,
        counters: Counters = .none, clock: @escaping @Sendable () -> Int64
    ) {
        self.stations = stations
        self.observations = observations
        self.catalogue = catalogue
        self.limits = limits
        self.health = health
        self.counters = counters
        self.clock = clock
    }

    /// A validator over the registry as it is now.
    public func validator() async throws -> ObservationValidator {
        ObservationValidator(catalogue: catalogue, directory: try await stations.seriesDirectory(), now: clock(), limits: limits)
    }

    /// The stations a caller acting within `scope` may write for; nil when the scope is the whole province.
    public func stationsAllowed(_ scope: AccessScope) async throws -> Set<String>? {
        guard scope.limitsStations else { return nil }
        return Set(try await stations.allStations().filter { scope.covers(station: $0.code, facility: $0.facility) }.map(\.code))
    }

    /// Rows with errors are reported by index and not stored; the valid rows are stored in one transaction.
    public func ingest(
        _ rows: [ObservationInput], fieldErrors: [Int: String] = [:], scope: AccessScope = .province
    ) async throws -> (
        IngestCounts, [RowError]
    ) {
        var batch = Batch(validator: try await validator(), allowed: try await stationsAllowed(scope))
        for (i, row) in rows.enumerated() { batch.add(row, error: fieldErrors[i]) }
        return try await store(batch)
    }

    /// Rows checked as they arrive: only what will be stored is kept.
    public struct Batch: Sendable {
        let validator: ObservationValidator
        /// The stations the caller may write for (nil: every station).
        let allowed: Set<String>?
        public private(set) var valid: [ValidObservation] = []
        public private(set) var rejected: [RowError] = []
        /// Stations of rows outside the caller's scope: the batch is refused whole.
        public private(set) var outOfScope: Set<String> = []
        var index = 0

        public init(validator: ObservationValidator, allowed: Set<String>? = nil) {
            self.validator = validator
            self.allowed = allowed
        }

        public mutating func add(_ row: ObservationInput, error: String?) {
            defer { index += 1 }
            // A row without a station fails validation below, as for any caller.
            if let allowed, let station = row.station, !allowed.contains(station) {
                outOfScope.insert(station)
                return
            }
            if let error {
                rejected.append(RowError(index: index, error: error))
                return
            }
            switch validator.validate(row) {
            case .success(let v): valid.append(v)
            case .failure(let e): rejected.append(RowError(index: index, error: e.message))
            }
        }
    }

    /// Stores the valid rows of a batch in one transaction and counts what happened.
    public func store(_ batch: Batch) async throws -> (IngestCounts, [RowError]) {
        guard batch.outOfScope.isEmpty else { throw ScopeError(stations: batch.outOfScope.sorted()) }
        let counts = try await observations.ingest(batch.valid)
        if !batch.valid.isEmpty { health.recordSuccess() }
        counters.increment("xanh_observations_accepted_total", "Observations stored", Int64(counts.accepted))
        counters.increment("xanh_observations_replaced_total", "Observations that replaced a stored value", Int64(counts.replaced))
        counters.increment("xanh_observations_rejected_total", "Observation rows rejected", Int64(batch.rejected.count))
        return (counts, batch.rejected)
    }
}

/// Rows for stations outside the caller's scope (a facility's key writing for another station): nothing is stored.
public struct ScopeError: Error, Sendable, Equatable {
    public var stations: [String]
    public init(stations: [String]) { self.stations = stations }
    public var message: String {
        "this key may not write for station\(stations.count == 1 ? "" : "s") \(stations.prefix(20).joined(separator: ", ")): they are outside its scope; nothing was stored"
    }
}
