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
            out.append(
                HourlyStat(hourEnd: h, mean: sum / Double(n), min: lo, max: hi, count: n, coverage: Swift.min(100, Double(n) / expected * 100)))
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

/// Records received and records that passed QC in one hour, for completeness.
public struct HourCount: Sendable, Equatable {
    public var hourEnd: Int64
    public var received: Int
    public var valid: Int
    public init(hourEnd: Int64, received: Int, valid: Int) {
        self.hourEnd = hourEnd
        self.received = received
        self.valid = valid
    }
}

extension Rollup {
    /// Received and valid records per hour of points sorted by time (`valid[i]`: point i passed QC).
    public static func hourCounts(times: [Int64], valid: [Bool]) -> [HourCount] {
        var out: [HourCount] = []
        for (i, t) in times.enumerated() {
            let h = Timestamps.hourEnd(t)
            if out.last?.hourEnd != h { out.append(HourCount(hourEnd: h, received: 0, valid: 0)) }
            out[out.count - 1].received += 1
            if valid[i] { out[out.count - 1].valid += 1 }
        }
        return out
    }

    /// Completeness in percent: received over expected, at most 100.
    public static func percent(received: Int, expected: Double) -> Double {
        expected > 0 ? Swift.min(100, Double(received) / expected * 100) : 0
    }
}

/// Station events that are not limit exceedances: silence and device errors.
public enum StationEventKind: String, Sendable, Codable, CaseIterable {
    case silent
    case deviceError = "device_error"
}

public struct StationEvent: Sendable, Equatable {
    public var kind: StationEventKind
    /// The series (device errors) or nil (silence concerns the whole station).
    public var parameter: String?
    public var start: Int64
    /// nil while the event is open.
    public var end: Int64?
    public init(kind: StationEventKind, parameter: String? = nil, start: Int64, end: Int64?) {
        self.kind = kind
        self.parameter = parameter
        self.start = start
        self.end = end
    }
}

public enum StationHealth {
    /// Runs of device status 02 in points sorted by time: from the first 02 record to the first record after the
    /// run with another status (nil end: the run is still the latest data).
    public static func deviceErrorRuns(_ points: [QCPoint]) -> [(start: Int64, end: Int64?)] {
        var out: [(start: Int64, end: Int64?)] = []
        var start: Int64?
        for p in points {
            if p.status == .deviceError {
                if start == nil { start = p.t }
            } else if let s = start {
                out.append((s, p.t))
                start = nil
            }
        }
        if let s = start { out.append((s, nil)) }
        return out
    }

    /// A station is silent when its latest record (or, if it never sent one, its registration) is more than
    /// `threshold` seconds before now.
    public static func isSilent(lastRecord: Int64?, registered: Int64, threshold: Int, now: Int64) -> Bool {
        now - (lastRecord ?? registered) > Int64(threshold)
    }
}
