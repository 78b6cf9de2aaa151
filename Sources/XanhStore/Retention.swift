import XanhCore

/// What a retention run did.
public struct RetentionReport: Sendable, Equatable {
    /// Raw observations before this time are gone; rollups (hourly, daily, AQI, events, completeness) are kept.
    public var horizon: Int64
    public var deletedRows: Int
    /// Whole month partitions dropped (PostgreSQL).
    public var droppedPartitions: [String]
    public init(horizon: Int64, deletedRows: Int, droppedPartitions: [String]) {
        self.horizon = horizon
        self.deletedRows = deletedRows
        self.droppedPartitions = droppedPartitions
    }
}

/// Retention of raw observations by age, with every rollup kept (what FROST-Server's users asked for).
public protocol RetentionStore: Sendable {
    /// Deletes raw observations with t < `before`, but never an hour still waiting for derivation (the horizon stops
    /// at the oldest pending hour). Records the horizon: later rows before it are refused, since their hour's rollup
    /// could no longer be recomputed from complete data.
    func applyRetention(rawBefore before: Int64) async throws -> RetentionReport
    /// The recorded horizon, if retention ever ran.
    func rawHorizon() async throws -> Int64?
}

public enum RetentionPolicy {
    /// The `meta` key holding the horizon (seconds since 1970).
    public static let metaKey = "raw_horizon"

    /// Refuses a batch with a row older than the horizon, naming the first such row.
    public static func check(_ rows: [ValidObservation], horizon: Int64?) throws {
        guard let horizon, let i = rows.firstIndex(where: { $0.t < horizon }) else { return }
        throw StoreError.invalid([
            .init(
                field: "observations/\(i)/time",
                message: "\(Timestamps.format(rows[i].t)) is before the raw-data retention horizon \(Timestamps.format(horizon)); "
                    + "rollups before it are final")
        ])
    }

    /// The horizon a run may use: the requested one, moved back to before the oldest hour still waiting for
    /// derivation, and never back past an earlier horizon.
    public static func effective(requested: Int64, oldestPendingHourEnd: Int64?, previous: Int64?) -> Int64 {
        var h = requested
        if let p = oldestPendingHourEnd { h = min(h, p - Timestamps.hour) }
        if let previous { h = max(h, previous) }
        return h
    }
}
