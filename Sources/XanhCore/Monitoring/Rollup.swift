/// A stored value that passed quality control.
public struct RawPoint: Sendable, Equatable {
    public var t: Int64
    public var value: Double
    public init(t: Int64, value: Double) {
        self.t = t
        self.value = value
    }
}

/// An hourly mean labelled by the end of its hour.
public struct HourlyStat: Sendable, Equatable {
    public var hourEnd: Int64
    public var mean: Double
    public var min: Double
    public var max: Double
    public var count: Int
    /// Received / expected records in percent (expected from the series' reporting interval), at most 100.
    public var coverage: Double

    public init(hourEnd: Int64, mean: Double, min: Double, max: Double, count: Int, coverage: Double) {
        self.hourEnd = hourEnd
        self.mean = mean
        self.min = min
        self.max = max
        self.count = count
        self.coverage = coverage
    }
}

/// A daily value for the local day starting at `dayStart` (hours labelled 01:00 … 24:00).
public struct DailyStat: Sendable, Equatable {
    public var dayStart: Int64
    /// Mean of the hourly means (Decision 1459 §2.2.2a; QCVN 05:2023 24-hour mean).
    public var mean: Double
    /// Smallest and largest raw value of the day.
    public var min: Double
    public var max: Double
    /// Raw records that passed QC.
    public var count: Int
    /// Hours with a mean.
    public var hours: Int
    public var coverage: Double
    /// Largest hourly mean of the day (the daily AQI input for O3, NO2, SO2, CO).
    public var maxHourly: Double

    public init(dayStart: Int64, mean: Double, min: Double, max: Double, count: Int, hours: Int, coverage: Double, maxHourly: Double) {
        self.dayStart = dayStart
        self.mean = mean
        self.min = min
        self.max = max
        self.count = count
        self.hours = hours
        self.coverage = coverage
        self.maxHourly = maxHourly
    }
}

public enum Rollup {
    /// Expected records per hour for a reporting interval (at least 1).
    public static func expectedPerHour(intervalSeconds: Int) -> Double {
        Swift.max(1, 3600 / Double(Swift.max(1, intervalSeconds)))
    }

    /// Hourly statistics of points sorted by time; hours without points are absent.
    public static func hourly(_ points: [RawPoint], intervalSeconds: Int) -> [HourlyStat] {
        let expected = expectedPerHour(intervalSeconds: intervalSeconds)
        var out: [HourlyStat] = []
        var i = 0
        while i < points.count {
            let h = Timestamps.hourEnd(points[i].t)
            var sum = 0.0
            var lo = Double.infinity
            var hi = -Double.infinity
            var n = 0
            while i < points.count, Timestamps.hourEnd(points[i].t) == h {
                let v = points[i].value
                sum += v
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
                n += 1
                i += 1
            }
            out.append(HourlyStat(hourEnd: h, mean: sum / Double(n), min: lo, max: hi, count: n, coverage: Swift.min(100, Double(n) / expected * 100)))
        }
        return out
    }

    /// Daily statistics from hourly statistics sorted by time, grouped by VN_AQI day (01:00 → 24:00 local).
    public static func daily(_ hours: [HourlyStat], intervalSeconds: Int) -> [DailyStat] {
        let expected = expectedPerHour(intervalSeconds: intervalSeconds) * 24
        var out: [DailyStat] = []
        var i = 0
        while i < hours.count {
            let d = Timestamps.dayStart(ofHourEnd: hours[i].hourEnd)
            var sum = 0.0
            var lo = Double.infinity
            var hi = -Double.infinity
            var maxMean = -Double.infinity
            var n = 0
            var h = 0
            while i < hours.count, Timestamps.dayStart(ofHourEnd: hours[i].hourEnd) == d {
                let s = hours[i]
                sum += s.mean
                lo = Swift.min(lo, s.min)
                hi = Swift.max(hi, s.max)
                maxMean = Swift.max(maxMean, s.mean)
                n += s.count
                h += 1
                i += 1
            }
            out.append(
                DailyStat(
                    dayStart: d, mean: sum / Double(h), min: lo, max: hi, count: n, hours: h,
                    coverage: Swift.min(100, Double(n) / expected * 100), maxHourly: maxMean))
        }
        return out
    }
}
