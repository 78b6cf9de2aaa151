/// Device status as Circular 10/2021/TT-BTNMT loggers send it.
public enum DeviceStatus: UInt8, Sendable, CaseIterable {
    case measuring = 0
    case calibrating = 1
    case deviceError = 2
    /// `03`: maintenance. Not in the Circular; some loggers write it (docs/decisions/0004-circular-10-files.md).
    case maintenance = 3

    /// `00`, `01`, `02`, `03` (also `0` … `3`).
    public init?(code: String) {
        switch code {
        case "00", "0": self = .measuring
        case "01", "1": self = .calibrating
        case "02", "2": self = .deviceError
        case "03", "3": self = .maintenance
        default: return nil
        }
    }

    public var code: String { "0\(rawValue)" }
}

/// The quality-control flag kept with every stored value. Flagged values are stored and shown, and excluded from
/// rollups, AQI and limit checks.
public enum QCFlag: UInt8, Sendable, CaseIterable {
    case ok = 0
    case calibrating = 1
    case deviceError = 2
    case outOfRange = 3
    case negative = 4
    case spike = 5
    case flatLine = 6
    case maintenance = 7
    /// Set by staff through an override.
    case rejected = 8

    public var key: String {
        switch self {
        case .ok: return "ok"
        case .calibrating: return "calibrating"
        case .deviceError: return "device_error"
        case .outOfRange: return "out_of_range"
        case .negative: return "negative"
        case .spike: return "spike"
        case .flatLine: return "flat_line"
        case .maintenance: return "maintenance"
        case .rejected: return "rejected"
        }
    }

    public init?(key: String) {
        guard let f = QCFlag.allCases.first(where: { $0.key == key }) else { return nil }
        self = f
    }

    public func reason(for p: Parameter?) -> String? {
        switch self {
        case .ok: return nil
        case .calibrating: return "device status 01: calibrating"
        case .deviceError: return "device status 02: device error"
        case .maintenance: return "device status 03: maintenance"
        case .negative: return "negative value for a quantity that cannot be negative"
        case .outOfRange:
            guard let p else { return "outside the plausible range" }
            return "outside the plausible range \(p.plausibleMin)–\(p.plausibleMax) \(p.unit)"
        case .spike:
            guard let p, let s = p.spike else { return "spike: change faster than the parameter allows" }
            return "spike: changed by more than \(s) \(p.unit) per 5 minutes"
        case .flatLine:
            guard let p, let n = p.flatLine else { return "flat line: the same value repeated" }
            return "flat line: the same value \(n) or more times running"
        case .rejected: return "rejected by staff"
        }
    }
}

/// A stored flag: the QC flag, and whether staff set it through an override (high bit of the stored byte).
public struct StoredQC: Sendable, Equatable, Hashable {
    public var flag: QCFlag
    public var overridden: Bool
    public init(flag: QCFlag, overridden: Bool = false) {
        self.flag = flag
        self.overridden = overridden
    }
    public init(raw: Int) {
        flag = QCFlag(rawValue: UInt8(raw & 0x7f)) ?? .ok
        overridden = raw & 0x80 != 0
    }
    public var raw: Int { Int(flag.rawValue) | (overridden ? 0x80 : 0) }
}

/// A raw value with its device status, as the sequence rules see it.
public struct QCPoint: Sendable, Equatable {
    public var t: Int64
    public var value: Double
    public var status: DeviceStatus
    public init(t: Int64, value: Double, status: DeviceStatus) {
        self.t = t
        self.value = value
        self.status = status
    }
}

/// A flag set by staff over [from, to] of one series, with the reason, who and when.
public struct QCOverride: Sendable, Equatable {
    /// The longest range one override may cover.
    public static let maxSpan: Int64 = 31 * 86_400

    public var id: Int64
    public var from: Int64
    public var to: Int64
    public var flag: QCFlag
    public var reason: String
    public var by: String
    public var at: Int64
    public init(id: Int64 = 0, from: Int64, to: Int64, flag: QCFlag, reason: String, by: String, at: Int64) {
        self.id = id
        self.from = from
        self.to = to
        self.flag = flag
        self.reason = reason
        self.by = by
        self.at = at
    }
}

/// Quality-control rules. `flag` judges one value on its own and runs on every path in (API, CSV, files);
/// `evaluate` adds the rules that need neighbours (spikes, flat lines) and staff overrides, and runs in the deriver
/// over each recomputed day, so late and out-of-order data is judged in its true sequence
/// (docs/decisions/0005-quality-control.md).
public enum QualityControl {
    /// The flag for one value: device status first, then sign, then the parameter's plausible range.
    @inlinable public static func flag(value: Double, status: DeviceStatus, parameter: Parameter) -> QCFlag {
        switch status {
        case .calibrating: return .calibrating
        case .deviceError: return .deviceError
        case .maintenance: return .maintenance
        case .measuring: break
        }
        if value < 0 && parameter.plausibleMin >= 0 { return .negative }
        if value < parameter.plausibleMin || value > parameter.plausibleMax { return .outOfRange }
        return .ok
    }

    /// A spike is judged against the last accepted value no older than this.
    public static let spikeReferenceWindow: Int64 = 3600

    /// Flags for points sorted by time. Order of precedence: override, then the single-value rules, then spike,
    /// then flat line.
    ///
    /// - Spike: |v − r| > bound × max(1, Δt / 5 min), where r is the last accepted value within the last hour. A value
    ///   flagged as a spike is not a reference, so one bad value does not flag the good value after it.
    /// - Flat line: a run of at least N identical values (among values that pass the single-value rules) flags the
    ///   whole run.
    public static func evaluate(_ points: [QCPoint], parameter: Parameter, overrides: [QCOverride] = []) -> [StoredQC] {
        var flags = points.map { StoredQC(flag: flag(value: $0.value, status: $0.status, parameter: parameter)) }
        if let bound = parameter.spike {
            var ref: (t: Int64, v: Double)?
            for i in points.indices where flags[i].flag == .ok {
                let p = points[i]
                if let r = ref, p.t - r.t <= spikeReferenceWindow {
                    let allowed = bound * Swift.max(1, Double(p.t - r.t) / 300)
                    if abs(p.value - r.v) > allowed {
                        flags[i].flag = .spike
                        continue
                    }
                }
                ref = (p.t, p.value)
            }
        }
        if let n = parameter.flatLine, n > 1 {
            var run: [Int] = []
            func close() {
                if run.count >= n { for j in run { flags[j].flag = .flatLine } }
                run.removeAll(keepingCapacity: true)
            }
            for i in points.indices where flags[i].flag == .ok {
                if let last = run.last, points[last].value != points[i].value { close() }
                run.append(i)
            }
            close()
        }
        if !overrides.isEmpty {
            for i in points.indices {
                // The latest override covering the point wins.
                if let o = overrides.last(where: { $0.from <= points[i].t && points[i].t <= $0.to }) {
                    flags[i] = StoredQC(flag: o.flag, overridden: true)
                }
            }
        }
        return flags
    }
}
