/// Averaging periods that QCVN 05 sets limits for.
public enum AveragingPeriod: String, Codable, Sendable, CaseIterable {
    case hour1 = "1h"
    case hour8 = "8h"
    case hour24 = "24h"
    case year = "year"
}

/// One limit of an ambient-air regulation, valid over [validFrom, validTo) in local dates.
public struct AmbientLimit: Codable, Sendable, Hashable {
    public var standard: String
    public var validFrom: String
    public var validTo: String?
    public var parameter: String
    public var period: AveragingPeriod
    public var value: Double

    /// Local midnight of `validFrom` in UTC seconds.
    public var validFromTime: Int64 { Timestamps.parseDate(validFrom) ?? Int64.min }
    public var validToTime: Int64 { validTo.flatMap(Timestamps.parseDate) ?? Int64.max }
}

/// The QCVN 05 limits with their validity dates; `limit(parameter:period:at:)` answers which applied at a time.
public struct AmbientLimits: Sendable {
    public let limits: [AmbientLimit]

    private struct File: Decodable { var limits: [AmbientLimit] }

    public init(limits: [AmbientLimit]) { self.limits = limits }

    public static func bundled() throws -> AmbientLimits {
        AmbientLimits(limits: try ResourceLoader.decode(File.self, from: "qcvn_ambient_air.json").limits)
    }

    /// The limit in force at instant t (for a period, pass its start: a day's local midnight, a year's 1 January).
    public func limit(parameter: String, period: AveragingPeriod, at t: Int64) -> AmbientLimit? {
        limits.first { $0.parameter == parameter && $0.period == period && t >= $0.validFromTime && t < $0.validToTime }
    }

    public func hasLimits(parameter: String) -> Bool { limits.contains { $0.parameter == parameter } }
}
