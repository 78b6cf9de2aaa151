import XanhCore
import XanhStore

/// Retention of raw observations by age, with every rollup kept (what FROST-Server's users asked for): raw rows older
/// than the horizon go, but never an hour still waiting for derivation, and rows that arrive later before the horizon
/// are refused, since their hour's rollup could no longer be recomputed from complete data.
public enum RetentionPolicy {
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

extension StoreRules {
    /// Xanh's rules, as every store is opened with them.
    public static let xanh = StoreRules(
        checkIngest: { rows, horizon in try RetentionPolicy.check(rows, horizon: horizon) },
        retentionHorizon: { requested, pending, previous in
            RetentionPolicy.effective(requested: requested, oldestPendingHourEnd: pending, previous: previous)
        })
}
