/// How a facility's station is judged: which regulation, which column, which coefficients
/// (Kp·Kv for QCVN 19 emissions, Kq·Kf for QCVN 40 wastewater).
public struct FacilityLimitConfig: Codable, Sendable, Hashable {
    /// `QCVN19` or `QCVN40`.
    public var family: String
    /// `A`, `B` (or `C` for QCVN 19:2024).
    public var column: String
    public var k1: Double
    public var k2: Double
    /// Pins one edition (a facility in a transition period); nil: the edition in force at each time.
    public var edition: String?

    public init(family: String, column: String, k1: Double = 1, k2: Double = 1, edition: String? = nil) {
        self.family = family
        self.column = column
        self.k1 = k1
        self.k2 = k2
        self.edition = edition
    }
}

/// A limit as the detector applies it: a maximum and, for pH, a minimum.
public struct AppliedLimit: Sendable, Equatable {
    public var max: Double?
    public var min: Double?
    public var standard: String
    public init(max: Double?, min: Double? = nil, standard: String) {
        self.max = max
        self.min = min
        self.standard = standard
    }
}

/// QCVN 19 and QCVN 40 limits, versioned by edition and validity date (resource `qcvn_industrial.json`).
public struct FacilityLimits: Sendable {
    public struct Value: Codable, Sendable, Hashable {
        public var max: Double
        public var min: Double?
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let pair = try? c.decode([Double].self), pair.count == 2 {
                min = pair[0]
                max = pair[1]
            } else {
                max = try c.decode(Double.self)
                min = nil
            }
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            if let min { try c.encode([min, max]) } else { try c.encode(max) }
        }
    }
    public struct Limit: Codable, Sendable, Hashable {
        public var parameter: String
        public var A: Value?
        public var B: Value?
        public var C: Value?
        public var scaled: Bool?
        public func column(_ c: String) -> Value? {
            switch c.uppercased() {
            case "A": return A
            case "B": return B
            case "C": return C
            default: return nil
            }
        }
    }
    public struct Standard: Codable, Sendable, Hashable {
        public var family: String
        public var edition: String
        public var stationKind: String
        public var validFrom: String
        public var validTo: String?
        public var confidence: String
        public var limits: [Limit]
        public var validFromTime: Int64 { Timestamps.parseDate(validFrom) ?? .min }
        public var validToTime: Int64 { validTo.flatMap(Timestamps.parseDate) ?? .max }
    }

    public let version: String
    public let standards: [Standard]

    private struct File: Decodable {
        var version: String
        var standards: [Standard]
    }

    public init(version: String, standards: [Standard]) {
        self.version = version
        self.standards = standards
    }

    public static func bundled() throws -> FacilityLimits {
        let f = try ResourceLoader.decode(File.self, from: "qcvn_industrial.json")
        return FacilityLimits(version: f.version, standards: f.standards)
    }

    /// Problems with a station's configuration (unknown family, column the regulation does not have).
    public func problems(_ c: FacilityLimitConfig, kind: StationKind) -> [String] {
        let editions = standards.filter { $0.family == c.family }
        guard !editions.isEmpty else {
            return ["limits.family '\(c.family)' is not known (known: \(Set(standards.map(\.family)).sorted().joined(separator: ", ")))"]
        }
        var out: [String] = []
        if let k = editions.first?.stationKind, k != kind.rawValue {
            out.append("limits.family '\(c.family)' applies to \(k) stations, not \(kind.rawValue)")
        }
        if let e = c.edition, !editions.contains(where: { $0.edition == e }) {
            out.append("limits.edition '\(e)' is not an edition of \(c.family) (\(editions.map(\.edition).joined(separator: ", ")))")
        }
        if !editions.contains(where: { s in s.limits.contains { $0.column(c.column) != nil } }) {
            out.append("limits.column '\(c.column)' has no values in \(c.family)")
        }
        if !(c.k1 > 0) || !(c.k2 > 0) { out.append("limits.k1 and limits.k2 must be positive") }
        return out
    }

    /// The edition that applies at t: the pinned one, else the one in force.
    public func edition(_ c: FacilityLimitConfig, at t: Int64) -> Standard? {
        if let e = c.edition { return standards.first { $0.family == c.family && $0.edition == e } }
        return standards.first { $0.family == c.family && t >= $0.validFromTime && t < $0.validToTime }
    }

    /// The limit of a parameter at time t for a station's configuration: Cmax = C × k1 × k2 (unscaled for pH).
    public func limit(parameter: String, config c: FacilityLimitConfig, at t: Int64) -> AppliedLimit? {
        guard let s = edition(c, at: t), let l = s.limits.first(where: { $0.parameter == parameter }), let v = l.column(c.column) else { return nil }
        let scale = (l.scaled ?? true) ? c.k1 * c.k2 : 1
        let label = "\(s.edition) column \(c.column.uppercased())" + (scale == 1 ? "" : " × \(c.k1)·\(c.k2)")
        // Rounded to 6 decimals so that 150 × 0.9 × 0.9 is 121.5, as the permit writes it.
        return AppliedLimit(max: (v.max * scale * 1e6).rounded() / 1e6, min: v.min, standard: label)
    }

    public func hasLimits(parameter: String, family: String) -> Bool {
        standards.contains { $0.family == family && $0.limits.contains { $0.parameter == parameter } }
    }
}
