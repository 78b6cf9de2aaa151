/// A target for an indicator in a unit, with its baseline and the document that set it.
public struct IndicatorTarget: Codable, Sendable, Hashable {
    public var id: Int64?
    public var indicator: String
    public var unit: String
    public var targetYear: Int
    public var targetValue: Double
    public var baselineYear: Int
    public var baselineValue: Double
    /// e.g. "Decision 1658/QĐ-TTg".
    public var source: String
    /// Expected values by year when the trajectory is not linear (`{"2027": 40}`); linear between the points otherwise.
    public var trajectory: [String: Double]?

    public init(
        id: Int64? = nil, indicator: String, unit: String, targetYear: Int, targetValue: Double, baselineYear: Int, baselineValue: Double,
        source: String, trajectory: [String: Double]? = nil
    ) {
        self.id = id
        self.indicator = indicator
        self.unit = unit
        self.targetYear = targetYear
        self.targetValue = targetValue
        self.baselineYear = baselineYear
        self.baselineValue = baselineValue
        self.source = source
        self.trajectory = trajectory
    }
}

/// Progress towards a target (docs/decisions/0010-indicator-targets.md).
public struct TargetProgress: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case achieved, onTrack = "on_track", atRisk = "at_risk", offTrack = "off_track", noData = "no_data"
    }
    public var year: Int
    public var value: Double?
    /// Share of the distance from baseline to target travelled (1 = reached).
    public var progress: Double?
    /// The value the trajectory expects in that year.
    public var expected: Double
    /// Share of the distance the trajectory expects by that year.
    public var expectedProgress: Double
    public var status: Status

    /// Status rule: achieved when the value is at or beyond the target in the indicator's direction; on track when
    /// progress ≥ expected progress; at risk when progress ≥ 75 % of the expected progress; off track otherwise.
    public static func evaluate(_ t: IndicatorTarget, direction: Indicator.Direction, year: Int, value: Double?) -> TargetProgress {
        let expected = expectedValue(t, year: year)
        let span = t.targetValue - t.baselineValue
        let expectedProgress = span == 0 ? 1 : (expected - t.baselineValue) / span
        guard let v = value else {
            return TargetProgress(year: year, value: nil, progress: nil, expected: expected, expectedProgress: expectedProgress, status: .noData)
        }
        let reached = direction == .higher ? v >= t.targetValue : v <= t.targetValue
        let progress = span == 0 ? (reached ? 1 : 0) : (v - t.baselineValue) / span
        let status: Status
        if reached {
            status = .achieved
        } else if progress >= expectedProgress - 1e-9 {
            status = .onTrack
        } else if progress >= 0.75 * expectedProgress {
            status = .atRisk
        } else {
            status = .offTrack
        }
        return TargetProgress(year: year, value: v, progress: progress, expected: expected, expectedProgress: expectedProgress, status: status)
    }

    /// Linear from (baseline year, baseline) to (target year, target), through any trajectory points in between.
    public static func expectedValue(_ t: IndicatorTarget, year: Int) -> Double {
        var points = [(t.baselineYear, t.baselineValue), (t.targetYear, t.targetValue)]
        for (k, v) in t.trajectory ?? [:] { if let y = Int(k) { points.append((y, v)) } }
        points.sort { $0.0 < $1.0 }
        if year <= points[0].0 { return points[0].1 }
        for k in 1..<points.count where year <= points[k].0 {
            let (y0, v0) = points[k - 1]
            let (y1, v1) = points[k]
            return y1 == y0 ? v1 : v0 + (v1 - v0) * Double(year - y0) / Double(y1 - y0)
        }
        return points.last?.1 ?? points[0].1
    }
}
