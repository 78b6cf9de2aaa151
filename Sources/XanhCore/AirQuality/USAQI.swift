/// The US EPA AQI, computed beside VN_AQI for comparison with the numbers international apps show.
/// Two table versions (the 2012 table and the February 2024 revision) are chosen by the observation's date.
/// Inputs are µg/m³ as stations report them; gases are converted to ppb/ppm at 25 °C (24.45 L/mol).
public struct USAQI: Sendable {
    public struct Version: Decodable, Sendable {
        public var version: String
        public var validFrom: String
        public var validTo: String?
        public var tables: [String: [[Double]]]
        public var validFromTime: Int64 { Timestamps.parseDate(validFrom).map { $0 + Timestamps.vietnamOffset } ?? 0 }
        public var validToTime: Int64 { validTo.flatMap(Timestamps.parseDate).map { $0 + Timestamps.vietnamOffset } ?? Int64.max }
    }

    public struct File: Decodable, Sendable {
        public var versions: [Version]
        public var categories: [AQICategory]
        public var molecularWeights: [String: Double]
        public var molarVolume: Double
    }

    public let file: File

    public init(file: File) { self.file = file }

    public static func bundled() throws -> USAQI {
        USAQI(file: try ResourceLoader.decode(File.self, from: "us_epa_aqi.json"))
    }

    /// The table version in force at time t (UTC seconds); version dates are read as 00:00 UTC.
    public func version(at t: Int64) -> Version {
        file.versions.first { t >= $0.validFromTime && t < $0.validToTime } ?? file.versions[file.versions.count - 1]
    }

    /// µg/m³ → ppb (×1000 for CO → ppm as well: 1 mg/m³ ↔ 1 ppm scale).
    public func ppb(_ gas: String, microgramsPerM3 c: Double) -> Double {
        c * file.molarVolume / (file.molecularWeights[gas] ?? 1)
    }

    private static func truncate(_ x: Double, _ decimals: Int) -> Double {
        var p = 1.0
        for _ in 0..<decimals { p *= 10 }
        return (x * p + 1e-9).rounded(.down) / p
    }

    /// Sub-index from an EPA table row list; nil below the table (O3 1-h starts at 101) or for invalid input;
    /// 500 above the top.
    public func subIndex(_ key: String, epaUnits c: Double, at t: Int64) -> Int? {
        guard let rows = version(at: t).tables[key], c.isFinite, c >= 0 else { return nil }
        for r in rows where c >= r[0] && c <= r[1] {
            return roundHalfUp((r[3] - r[2]) / (r[1] - r[0]) * (c - r[0]) + r[2])
        }
        if let last = rows.last, c > last[1] { return 500 }
        // Below the first row (the O3 1-h table starts at 0.125 ppm): no sub-index. In a gap between rows
        // (only reachable without truncation): the upper row's lower index.
        guard let next = rows.first(where: { c < $0[0] }), next != rows[0] else { return nil }
        return Int(next[2])
    }

    /// Hourly US AQI: NowCast PM2.5/PM10 (EPA truncation), O3 as the larger of the 8-h and (≥ 0.125 ppm) 1-h indices,
    /// CO 8-h mean, SO2 and NO2 1-h means. Gas inputs in µg/m³.
    public func hourly(
        at t: Int64, pm25: [Double?], pm10: [Double?], o3: Double?, o3_8h: Double?, no2: Double?, so2: Double?, co8h: Double?
    ) -> AQIResult? {
        var subs: [String: Int] = [:]
        if let n = VNAQI.nowcast(pm25), let s = subIndex("PM2.5", epaUnits: Self.truncate(n, 1), at: t) { subs["PM2.5"] = s }
        if let n = VNAQI.nowcast(pm10), let s = subIndex("PM10", epaUnits: Self.truncate(n, 0), at: t) { subs["PM10"] = s }
        var o3s: [Int] = []
        if let v = o3_8h, let s = subIndex("O3_8h", epaUnits: Self.truncate(ppb("O3", microgramsPerM3: v) / 1000, 3), at: t) { o3s.append(s) }
        if let v = o3, let s = subIndex("O3_1h", epaUnits: Self.truncate(ppb("O3", microgramsPerM3: v) / 1000, 3), at: t) { o3s.append(s) }
        if let m = o3s.max() { subs["O3"] = m }
        if let v = no2, let s = subIndex("NO2", epaUnits: Self.truncate(ppb("NO2", microgramsPerM3: v), 0), at: t) { subs["NO2"] = s }
        if let v = so2, let s = subIndex("SO2", epaUnits: Self.truncate(ppb("SO2", microgramsPerM3: v), 0), at: t) { subs["SO2"] = s }
        if let v = co8h, let s = subIndex("CO", epaUnits: Self.truncate(ppb("CO", microgramsPerM3: v) / 1000, 1), at: t) { subs["CO"] = s }
        return AQIResult.combine(subs)
    }

    public func category(for aqi: Int) -> AQICategory {
        file.categories.first { aqi >= $0.min && aqi <= $0.max } ?? file.categories[file.categories.count - 1]
    }
}
