/// Device status as Circular 10/2021/TT-BTNMT loggers send it.
public enum DeviceStatus: UInt8, Sendable, CaseIterable {
    case measuring = 0
    case calibrating = 1
    case deviceError = 2

    /// `00`, `01`, `02` (also `0`, `1`, `2`).
    public init?(code: String) {
        switch code {
        case "00", "0": self = .measuring
        case "01", "1": self = .calibrating
        case "02", "2": self = .deviceError
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

    public var key: String {
        switch self {
        case .ok: return "ok"
        case .calibrating: return "calibrating"
        case .deviceError: return "device_error"
        case .outOfRange: return "out_of_range"
        }
    }

    public func reason(for p: Parameter?) -> String? {
        switch self {
        case .ok: return nil
        case .calibrating: return "device status 01: calibrating"
        case .deviceError: return "device status 02: device error"
        case .outOfRange:
            guard let p else { return "outside the plausible range" }
            return "outside the plausible range \(p.plausibleMin)–\(p.plausibleMax) \(p.unit)"
        }
    }
}

public enum QualityControl {
    /// The flag for one value: device status first, then the parameter's plausible range.
    @inlinable public static func flag(value: Double, status: DeviceStatus, parameter: Parameter) -> QCFlag {
        switch status {
        case .calibrating: return .calibrating
        case .deviceError: return .deviceError
        case .measuring: break
        }
        if value < parameter.plausibleMin || value > parameter.plausibleMax { return .outOfRange }
        return .ok
    }
}
