/// The QC review queue: values the automatic checks flagged (device status, range, spike, flat line, calibration)
/// and no person has judged yet, grouped into runs per series, so an officer decides a stuck analyser's four hours
/// once rather than value by value. A decision is an override over the run's span: **accept** keeps the flag (the
/// values stay out of averages; the run leaves the queue as reviewed), **valid** marks the values good. Either needs
/// a reason (decision 0018).
public struct QCRun: Sendable, Equatable {
    public var series: Int64
    public var flag: QCFlag
    public var from: Int64
    public var to: Int64
    public var count: Int
    public var min: Double
    public var max: Double
    public init(series: Int64, flag: QCFlag, from: Int64, to: Int64, count: Int, min: Double, max: Double) {
        self.series = series
        self.flag = flag
        self.from = from
        self.to = to
        self.count = count
        self.min = min
        self.max = max
    }
}

/// A flagged value as the queue reads it.
public struct FlaggedValue: Sendable, Equatable {
    public var series: Int64
    public var t: Int64
    public var value: Double
    public var flag: QCFlag
    public init(series: Int64, t: Int64, value: Double, flag: QCFlag) {
        self.series = series
        self.t = t
        self.value = value
        self.flag = flag
    }
}

public enum QCDecision: String, Sendable, CaseIterable {
    /// The automatic flag stands.
    case accept
    /// The values are good after all.
    case valid

    /// The flag the override sets over the run.
    public func flag(for run: QCFlag) -> QCFlag { self == .accept ? run : .ok }
}

public enum QCReview {
    /// Flagged values of one series with the same flag and no more than this between them are one run.
    public static let maxGap: Int64 = 3600

    /// Runs from values sorted by series then time (as the store returns them); a value out of order starts a run.
    public static func runs(_ values: [FlaggedValue], maxGap: Int64 = maxGap) -> [QCRun] {
        var out: [QCRun] = []
        for v in values {
            if var last = out.last, last.series == v.series, last.flag == v.flag, v.t >= last.to, v.t - last.to <= maxGap {
                last.to = v.t
                last.count += 1
                last.min = Swift.min(last.min, v.value)
                last.max = Swift.max(last.max, v.value)
                out[out.count - 1] = last
            } else {
                out.append(QCRun(series: v.series, flag: v.flag, from: v.t, to: v.t, count: 1, min: v.value, max: v.value))
            }
        }
        return out
    }
}
