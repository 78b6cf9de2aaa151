/// A run of consecutive averaging periods above the limit that applied to them.
public struct ExceedanceEvent: Sendable, Equatable, Codable {
    public var parameter: String
    public var period: AveragingPeriod
    /// Start of the first exceeding averaging window, end of the last (UTC seconds).
    public var start: Int64
    public var end: Int64
    public var peak: Double
    /// End label of the window with the peak value.
    public var peakTime: Int64
    public var limit: Double
    public var standard: String

    public init(parameter: String, period: AveragingPeriod, start: Int64, end: Int64, peak: Double, peakTime: Int64, limit: Double, standard: String)
    {
        self.parameter = parameter
        self.period = period
        self.start = start
        self.end = end
        self.peak = peak
        self.peakTime = peakTime
        self.limit = limit
        self.standard = standard
    }
}

/// An average over the window [start, end).
public struct PeriodValue: Sendable, Equatable {
    public var start: Int64
    public var end: Int64
    public var value: Double
    public init(start: Int64, end: Int64, value: Double) {
        self.start = start
        self.end = end
        self.value = value
    }
}

public enum ExceedanceDetector {
    /// Events from period values sorted by end. Windows are consecutive when their ends are `step` apart
    /// (1 h for the 1-h and rolling 8-h means, one day for 24-h means). A value exceeds when it is strictly
    /// greater than the limit in force at the window's start; a change of limit value starts a new event.
    public static func events(
        parameter: String, period: AveragingPeriod, values: [PeriodValue], step: Int64, limits: AmbientLimits
    ) -> [ExceedanceEvent] {
        events(parameter: parameter, period: period, values: values, step: step) { t in
            limits.limit(parameter: parameter, period: period, at: t).map { AppliedLimit(max: $0.value, standard: $0.standard) }
        }
    }

    /// Events against any limit: a value exceeds when it is strictly above the maximum or strictly below the
    /// minimum (pH) in force at the window's start. `limit` of an event is the bound crossed and `peak` the value
    /// farthest beyond it; a change of limit or of direction starts a new event.
    public static func events(
        parameter: String, period: AveragingPeriod, values: [PeriodValue], step: Int64, limitAt: (Int64) -> AppliedLimit?
    ) -> [ExceedanceEvent] {
        var out: [ExceedanceEvent] = []
        var current: ExceedanceEvent?
        var lastEnd: Int64 = .min
        for v in values {
            guard let applied = limitAt(v.start) else {
                if let c = current { out.append(c) }
                current = nil
                continue
            }
            let bound: Double
            let below: Bool
            if let mx = applied.max, v.value > mx {
                (bound, below) = (mx, false)
            } else if let mn = applied.min, v.value < mn {
                (bound, below) = (mn, true)
            } else {
                if let c = current { out.append(c) }
                current = nil
                continue
            }
            if var c = current, v.end - lastEnd == step, c.limit == bound, c.standard == applied.standard {
                c.end = v.end
                if below ? v.value < c.peak : v.value > c.peak {
                    c.peak = v.value
                    c.peakTime = v.end
                }
                current = c
            } else {
                if let c = current { out.append(c) }
                current = ExceedanceEvent(
                    parameter: parameter, period: period, start: v.start, end: v.end, peak: v.value, peakTime: v.end,
                    limit: bound, standard: applied.standard)
            }
            lastEnd = v.end
        }
        if let c = current { out.append(c) }
        return out
    }

    /// Period values for each averaging period from hourly means sorted by hour end (keyed by hour end).
    /// 8-h: rolling means with at least 6 of 8 hours; 24-h: VN_AQI day means with at least 18 hours;
    /// year: calendar-year mean of daily means, with at least 274 days (75 %). These completeness thresholds are a
    /// project convention (docs/decisions/0003-exceedances.md); QCVN 05:2023 sets none.
    public static func periodValues(_ period: AveragingPeriod, hourly: [HourlyStat], daily: [DailyStat]) -> [PeriodValue] {
        switch period {
        case .hour1:
            return hourly.map { PeriodValue(start: $0.hourEnd - Timestamps.hour, end: $0.hourEnd, value: $0.mean) }
        case .hour8:
            guard let first = hourly.first, let last = hourly.last else { return [] }
            var map: [Int64: Double] = [:]
            for h in hourly { map[h.hourEnd] = h.mean }
            return stride(from: first.hourEnd, through: last.hourEnd + 7 * Timestamps.hour, by: Int(Timestamps.hour)).compactMap { e in
                RollingMean.eightHour(map, endingAt: e).map { PeriodValue(start: e - 8 * Timestamps.hour, end: e, value: $0) }
            }
        case .hour24:
            return daily.filter { $0.hours >= 18 }.map { PeriodValue(start: $0.dayStart, end: $0.dayStart + Timestamps.day, value: $0.mean) }
        case .year:
            var groups: [Int64: (sum: Double, n: Int, end: Int64)] = [:]
            for d in daily {
                let y = Timestamps.yearBounds(containing: d.dayStart)
                let g = groups[y.start] ?? (0, 0, y.end)
                groups[y.start] = (g.sum + d.mean, g.n + 1, y.end)
            }
            return groups.sorted { $0.key < $1.key }.compactMap { start, g in
                g.n >= 274 ? PeriodValue(start: start, end: g.end, value: g.sum / Double(g.n)) : nil
            }
        }
    }
}
