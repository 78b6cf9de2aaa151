/// AQI of one station from its hourly means, keyed by parameter code then hour end (UTC seconds).
public struct StationAQI: Sendable {
    public let vn: VNAQI
    public let us: USAQI

    public init(vn: VNAQI, us: USAQI) {
        self.vn = vn
        self.us = us
    }

    public static let parameters = ["PM2.5", "PM10", "O3", "NO2", "SO2", "CO"]

    private static func last12(_ m: [Int64: Double]?, _ h: Int64) -> [Double?] {
        (0..<12).map { m?[h - Int64($0) * Timestamps.hour] }
    }

    private static func rolling8(_ m: [Int64: Double]?, _ h: Int64) -> Double? {
        m.flatMap { RollingMean.eightHour($0, endingAt: h) }
    }

    /// VN_AQI hourly at hour end h.
    public func vnHourly(_ means: [String: [Int64: Double]], at h: Int64) -> AQIResult? {
        vn.hourly(
            pm25: Self.last12(means["PM2.5"], h), pm10: Self.last12(means["PM10"], h), o3: means["O3"]?[h],
            no2: means["NO2"]?[h], so2: means["SO2"]?[h], co: means["CO"]?[h])
    }

    /// US EPA AQI hourly at hour end h.
    public func usHourly(_ means: [String: [Int64: Double]], at h: Int64) -> AQIResult? {
        us.hourly(
            at: h, pm25: Self.last12(means["PM2.5"], h), pm10: Self.last12(means["PM10"], h), o3: means["O3"]?[h],
            o3_8h: Self.rolling8(means["O3"], h), no2: means["NO2"]?[h], so2: means["SO2"]?[h], co8h: Self.rolling8(means["CO"], h))
    }

    /// VN_AQI daily for the day starting at local midnight `day` (hours labelled 01:00 … 24:00).
    /// The decision sets no completeness rule for daily values; none is added.
    public func vnDaily(_ means: [String: [Int64: Double]], day: Int64) -> AQIResult? {
        let hours = (1...24).map { day + Int64($0) * Timestamps.hour }
        func values(_ p: String) -> [Double] { hours.compactMap { means[p]?[$0] } }
        func mean(_ p: String) -> Double? {
            let v = values(p)
            return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
        }
        let o3max8 = hours.compactMap { Self.rolling8(means["O3"], $0) }.max()
        return vn.daily(
            pm25Mean: mean("PM2.5"), pm10Mean: mean("PM10"), o3Max1h: values("O3").max(), o3Max8h: o3max8,
            no2Max1h: values("NO2").max(), so2Max1h: values("SO2").max(), coMax1h: values("CO").max())
    }
}
