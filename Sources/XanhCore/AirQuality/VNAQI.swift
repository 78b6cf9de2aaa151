/// VN_AQI per Decision 1459/QĐ-TCMT (12/11/2019). Pure functions over hourly means in µg/m³.
///
/// Choices the decision leaves open are in `docs/decisions/0001-vn-aqi.md`:
/// round half up (so the worked hourly example gives 59, not the printed 60), the normalised NowCast form for both
/// weight cases, a cap of 500 at and beyond the top breakpoint, no sub-index for missing or negative values.
public struct VNAQI: Sendable {
    public struct Table: Decodable, Sendable {
        public var source: String
        public var version: String
        public var validFrom: String
        public var levels: [Double]
        public var breakpoints: [String: [Double]]
        public var categories: [AQICategory]
    }

    public let table: Table

    public init(table: Table) { self.table = table }

    public static func bundled() throws -> VNAQI {
        VNAQI(table: try ResourceLoader.decode(Table.self, from: "vn_aqi_1459.json"))
    }

    /// Breakpoint keys: `PM2.5`, `PM10`, `O3_1h`, `O3_8h`, `NO2`, `SO2`, `CO`.
    /// Returns the unrounded sub-index by Công thức 1/2, 500 at or above the last breakpoint of a complete column,
    /// and nil when the value is negative, non-finite, or (for O3 8 h) above the column's last breakpoint.
    public func subIndexExact(_ key: String, _ c: Double) -> Double? {
        guard let bp = table.breakpoints[key], c.isFinite, c >= 0 else { return nil }
        let levels = table.levels
        if bp.count == levels.count, c >= bp[bp.count - 1] { return levels[levels.count - 1] }
        for i in 0..<(bp.count - 1) where c >= bp[i] && c <= bp[i + 1] {
            return (levels[i + 1] - levels[i]) / (bp[i + 1] - bp[i]) * (c - bp[i]) + levels[i]
        }
        return nil
    }

    public func subIndex(_ key: String, _ c: Double) -> Int? {
        subIndexExact(key, c).map(roundHalfUp)
    }

    /// NowCast of Decision 1459 §2.2.1a. `hourly[0]` is the current hourly mean c1, `hourly[11]` is c12; nil = missing.
    /// Needs at least 2 of c1, c2, c3. Uses the normalised weighted mean for both w > 1/2 and w = 1/2.
    public static func nowcast(_ hourly: [Double?]) -> Double? {
        let c = Array(hourly.prefix(12))
        let recent = c.prefix(3).compactMap { $0 }.count
        guard recent >= 2 else { return nil }
        let present = c.compactMap { $0 }
        guard let cmin = present.min(), let cmax = present.max() else { return nil }
        let wStar = cmax > 0 ? cmin / cmax : 1
        let w = wStar <= 0.5 ? 0.5 : wStar
        var num = 0.0
        var den = 0.0
        var weight = 1.0
        for v in c {
            if let v {
                num += weight * v
                den += weight
            }
            weight *= w
        }
        return den > 0 ? num / den : nil
    }

    /// Hourly AQI at one hour. `pm25`/`pm10` are the last 12 hourly means (current first) for the NowCast;
    /// the gases are the current hourly means. Nil when neither PM2.5 nor PM10 gives a sub-index (Decision 1459 §2.1).
    public func hourly(pm25: [Double?], pm10: [Double?], o3: Double?, no2: Double?, so2: Double?, co: Double?) -> AQIResult? {
        var subs: [String: Int] = [:]
        if let n = Self.nowcast(pm25), let s = subIndex("PM2.5", n) { subs["PM2.5"] = s }
        if let n = Self.nowcast(pm10), let s = subIndex("PM10", n) { subs["PM10"] = s }
        guard subs["PM2.5"] != nil || subs["PM10"] != nil else { return nil }
        if let v = o3, let s = subIndex("O3_1h", v) { subs["O3"] = s }
        if let v = no2, let s = subIndex("NO2", v) { subs["NO2"] = s }
        if let v = so2, let s = subIndex("SO2", v) { subs["SO2"] = s }
        if let v = co, let s = subIndex("CO", v) { subs["CO"] = s }
        return AQIResult.combine(subs)
    }

    /// Daily AQI. PM: 24-hour means; O3: daily max 1-h and max 8-h means (the 8-h part skipped above 400 µg/m³,
    /// the larger sub-index taken); NO2, SO2, CO: daily max 1-h means.
    public func daily(
        pm25Mean: Double?, pm10Mean: Double?, o3Max1h: Double?, o3Max8h: Double?, no2Max1h: Double?, so2Max1h: Double?,
        coMax1h: Double?
    ) -> AQIResult? {
        var subs: [String: Int] = [:]
        if let v = pm25Mean, let s = subIndex("PM2.5", v) { subs["PM2.5"] = s }
        if let v = pm10Mean, let s = subIndex("PM10", v) { subs["PM10"] = s }
        guard subs["PM2.5"] != nil || subs["PM10"] != nil else { return nil }
        let o3a = o3Max1h.flatMap { subIndex("O3_1h", $0) }
        let o3b = o3Max8h.flatMap { $0 > 400 ? nil : subIndex("O3_8h", $0) }
        if let m = [o3a, o3b].compactMap({ $0 }).max() { subs["O3"] = m }
        if let v = no2Max1h, let s = subIndex("NO2", v) { subs["NO2"] = s }
        if let v = so2Max1h, let s = subIndex("SO2", v) { subs["SO2"] = s }
        if let v = coMax1h, let s = subIndex("CO", v) { subs["CO"] = s }
        return AQIResult.combine(subs)
    }

    public func category(for aqi: Int) -> AQICategory {
        table.categories.first { aqi >= $0.min && aqi <= $0.max } ?? table.categories[table.categories.count - 1]
    }
}

/// Rolling means over hourly means, as Decision 1459 §2.2.2a and QCVN 05:2023 define them.
public enum RollingMean {
    /// The 8-hour mean labelled by its last hour `h`: the mean of the hourly means present among h − 7 h … h, when at
    /// least `minimumCount` of the 8 are present (6 by project convention, docs/decisions/0001-vn-aqi.md; the worked
    /// example of 1459 has all 8).
    public static func eightHour(_ hourly: [Int64: Double], endingAt h: Int64, minimumCount: Int = 6) -> Double? {
        var sum = 0.0
        var n = 0
        for k in 0..<8 {
            if let v = hourly[h - Int64(k) * Timestamps.hour] {
                sum += v
                n += 1
            }
        }
        return n >= minimumCount ? sum / Double(n) : nil
    }
}
