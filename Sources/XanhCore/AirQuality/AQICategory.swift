/// A band of an AQI scale with its official colour, and for VN_AQI the health text of Decision 1459 (Bảng 4, 5).
public struct AQICategory: Codable, Sendable, Hashable {
    public var min: Int
    public var max: Int
    public var key: String
    public var nameVi: String
    public var nameEn: String
    public var color: String
    public var colorNameVi: String?
    public var healthVi: String?
    public var healthEn: String?
    public var adviceVi: String?
    public var adviceEn: String?
    public var sensitiveAdviceVi: String?
    public var sensitiveAdviceEn: String?

    public func name(_ lang: Language) -> String { lang == .vi ? nameVi : nameEn }
    public func health(_ lang: Language) -> String? { lang == .vi ? healthVi : healthEn }
    public func advice(_ lang: Language) -> String? { lang == .vi ? adviceVi : adviceEn }
    public func sensitiveAdvice(_ lang: Language) -> String? { lang == .vi ? sensitiveAdviceVi : sensitiveAdviceEn }
}

public enum Language: String, Sendable, CaseIterable {
    case vi, en
}

/// An index value with its sub-indices per pollutant. The dominant pollutant is the one with the largest sub-index;
/// ties go to the first in `AQIResult.pollutantOrder`.
public struct AQIResult: Sendable, Equatable, Codable {
    public var aqi: Int
    public var dominant: String
    /// Sub-index per pollutant key (`PM2.5`, `PM10`, `O3`, `NO2`, `SO2`, `CO`), rounded like the index itself.
    public var subindices: [String: Int]

    public static let pollutantOrder = ["PM2.5", "PM10", "O3", "NO2", "SO2", "CO"]

    public init(aqi: Int, dominant: String, subindices: [String: Int]) {
        self.aqi = aqi
        self.dominant = dominant
        self.subindices = subindices
    }

    /// Combines sub-indices: AQI = max, dominant by the fixed order on ties. Nil when empty.
    public static func combine(_ subs: [String: Int]) -> AQIResult? {
        var best: (String, Int)?
        for p in pollutantOrder {
            guard let v = subs[p] else { continue }
            if v > best?.1 ?? Int.min { best = (p, v) }
        }
        guard let b = best else { return nil }
        return AQIResult(aqi: b.1, dominant: b.0, subindices: subs)
    }
}

/// Round half up (away from zero for the non-negative values AQI takes): 59.35 → 59, 109.5 → 110.
@inlinable public func roundHalfUp(_ x: Double) -> Int {
    Int((x + 0.5).rounded(.down))
}
