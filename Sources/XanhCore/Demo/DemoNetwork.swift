import Foundation

/// A realistic demo network and its data, generated on the spot and deterministic for a given end time.
///
/// 13 ambient-air stations in Hà Nội, TP Hồ Chí Minh, Hải Phòng and Lạng Sơn, and one wastewater station of an
/// industrial-zone facility. Values follow diurnal cycles with rush-hour peaks, a weekly cycle, a haze episode that
/// breaks the QCVN 05:2023 24-hour PM2.5 limit in the north, a few gaps and a calibration period.
public enum DemoNetwork {
    /// The rules a monitoring centre sets first, so the alert inbox is alive on a demo's first start: every QCVN
    /// exceedance, a silent station, a device error lasting an hour, and an hourly VN_AQI from "poor" (151) up.
    public static let alertRules: [AlertRule] = [
        AlertRule(name: "Vượt QCVN (mọi trạm)", kind: .exceedance),
        AlertRule(name: "Trạm mất tín hiệu", kind: .silent),
        AlertRule(name: "Thiết bị báo lỗi từ 60 phút", kind: .deviceError, minutes: 60),
        AlertRule(name: "VN_AQI giờ từ mức Kém (≥ 151)", kind: .aqi, aqiAtLeast: 151),
    ]

    public struct Row: Sendable {
        public var station: String
        public var parameter: String
        public var t: Int64
        public var value: Double
        public var status: DeviceStatus
    }

    struct Site {
        var code: String
        var name: String
        var province: String
        var lat: Double
        var lon: Double
        /// Typical November PM2.5 (µg/m³) and traffic weight (0…1).
        var pm25: Double
        var traffic: Double
        var gases: Bool
    }

    static let sites: [Site] = [
        Site(code: "HN-NKT", name: "Nguyễn Khánh Toàn, Cầu Giấy", province: "01", lat: 21.0375, lon: 105.8005, pm25: 48, traffic: 0.8, gases: true),
        Site(code: "HN-HK", name: "Hoàn Kiếm", province: "01", lat: 21.0245, lon: 105.8530, pm25: 45, traffic: 0.9, gases: true),
        Site(code: "HN-NVC", name: "556 Nguyễn Văn Cừ, Long Biên", province: "01", lat: 21.0490, lon: 105.8822, pm25: 52, traffic: 1.0, gases: true),
        Site(code: "HN-TC", name: "Thành Công, Ba Đình", province: "01", lat: 21.0190, lon: 105.8140, pm25: 46, traffic: 0.7, gases: true),
        Site(code: "HCM-Q1", name: "Lê Duẩn, Sài Gòn", province: "79", lat: 10.7830, lon: 106.7000, pm25: 27, traffic: 0.9, gases: true),
        Site(code: "HCM-TSH", name: "Tân Sơn Hòa", province: "79", lat: 10.8000, lon: 106.6660, pm25: 25, traffic: 0.8, gases: true),
        Site(code: "HCM-TD", name: "Thủ Đức", province: "79", lat: 10.8700, lon: 106.8000, pm25: 24, traffic: 0.6, gases: true),
        Site(code: "HCM-TDM", name: "Thủ Dầu Một", province: "79", lat: 10.9800, lon: 106.6500, pm25: 29, traffic: 0.5, gases: false),
        Site(code: "HP-LC", name: "Lê Chân", province: "31", lat: 20.8470, lon: 106.6830, pm25: 38, traffic: 0.8, gases: true),
        Site(code: "HP-HB", name: "Hồng Bàng", province: "31", lat: 20.8650, lon: 106.6800, pm25: 36, traffic: 0.7, gases: true),
        Site(code: "HP-HD", name: "Hải Dương (Thành Đông)", province: "31", lat: 20.9400, lon: 106.3300, pm25: 34, traffic: 0.5, gases: false),
        Site(code: "LS-TP", name: "Thành phố Lạng Sơn", province: "20", lat: 21.8530, lon: 106.7610, pm25: 22, traffic: 0.4, gases: true),
        Site(code: "LS-DD", name: "Đồng Đăng", province: "20", lat: 21.9480, lon: 106.7000, pm25: 20, traffic: 0.3, gases: false),
    ]

    public static let facility = Facility(
        name: "Công ty Cổ phần Khu công nghiệp Đình Vũ (trạm XLNT tập trung)", taxCode: "0200589145", sector: "Khu công nghiệp",
        province: "31", address: "Khu kinh tế Đình Vũ – Cát Hải, Hải Phòng")

    public static let interval = 300

    /// QCVN 40:2011 column B with Kq = 0.9 (a river) and Kf = 0.9 (discharge over 5,000 m³/day): COD ≤ 121.5 mg/L.
    public static let wastewaterLimits = FacilityLimitConfig(family: "QCVN40", column: "B", k1: 0.9, k2: 0.9)

    /// The stations; `facilityID` is the id the demo facility got in the store.
    public static func stations(facilityID: Int64?) -> [Station] {
        var out = sites.map { s in
            let params = s.gases ? ["PM2.5", "PM10", "NO2", "SO2", "CO", "O3"] : ["PM2.5", "PM10"]
            return Station(
                code: s.code, name: s.name, kind: .ambientAir, province: s.province, latitude: s.lat, longitude: s.lon,
                parameters: params.map { StationParameter(parameter: $0, interval: interval) })
        }
        out.append(
            Station(
                code: "HP-DV-WW", name: "KCN Đình Vũ – nước thải sau xử lý", kind: .wastewater, province: "31", facility: facilityID,
                latitude: 20.8390, longitude: 106.7700,
                parameters: ["pH", "COD", "TSS", "NH4", "Flow", "Temp"].map { StationParameter(parameter: $0, interval: interval) },
                limits: wastewaterLimits))
        out.append(
            Station(
                code: riverStation, name: "Sông Kỳ Cùng – cầu Kỳ Lừa (trạm tự động)", kind: .surfaceWater, province: "20", latitude: 21.8590,
                longitude: 106.7660, parameters: riverParameters.map { StationParameter(parameter: $0, interval: riverInterval) }))
        return out
    }

    /// The automatic surface-water station on the Kỳ Cùng: every 15 minutes, with the nutrient and metal analysers
    /// VN_WQI needs for three groups (I pH; III As, Cu, Zn; IV DO with temperature, COD, TOC, N-NH4, N-NO3, P-PO4).
    public static let riverStation = "LS-KC-AUTO"
    public static let riverParameters = ["pH", "Temp", "DO", "COD", "TOC", "NH4", "NO3", "PO4", "TSS", "As", "Cu", "Zn"]
    public static let riverInterval = 900

    /// SplitMix64: small, fast, deterministic.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        /// Roughly normal (sum of uniforms), mean 0, sd 1.
        mutating func normal() -> Double { (0..<6).reduce(0.0) { a, _ in a + uniform() } * 1.414 - 4.243 }
    }

    /// Smooth daily shape for traffic: peaks at 07:30 and 18:30 local.
    static func rush(_ hour: Double) -> Double {
        func bump(_ c: Double, _ w: Double) -> Double { let d = (hour - c) / w; return exp(-d * d) }
        return bump(7.5, 1.2) + 1.1 * bump(18.5, 1.5)
    }

    static func sinTurns(_ x: Double) -> Double { sin(2 * Double.pi * x) }

    /// Every row from `end − days` to `end` (UTC seconds, rounded down to the interval), in time order per series,
    /// handed to `sink` in chunks of at most `chunk` rows.
    ///
    /// With `after`, only rows later than it (the demo's live feed: a few minutes at a time, the same model).
    public static func generate(end: Int64, days: Int = 30, after: Int64? = nil, chunk: Int = 100_000, sink: ([Row]) throws -> Void) rethrows {
        let stop = end - end % Int64(interval)
        var start = stop - Int64(days) * Timestamps.day
        if let after { start = max(start, after - after % Int64(interval)) }
        let hazeStart = stop - 12 * Timestamps.day
        let hazeEnd = stop - 8 * Timestamps.day
        var buffer: [Row] = []
        buffer.reserveCapacity(chunk)
        for (index, s) in sites.enumerated() {
            var rng = Random(state: UInt64(index + 1) &* 0x2545_F491_4F6C_DD1D)
            var persistent = 0.0  // slowly varying weather component
            var t = start + Int64(interval)
            while t <= stop {
                let local = Double((t + Timestamps.vietnamOffset) % Timestamps.day) / 3600
                let dayIndex = Timestamps.floorDiv(t + Timestamps.vietnamOffset, Timestamps.day)
                let weekday = (dayIndex + 4) % 7  // 0 = Sunday
                let weekly = weekday == 0 ? 0.8 : (weekday == 6 ? 0.9 : 1.0)
                persistent = 0.995 * persistent + 0.07 * rng.normal()
                // Night-time inversion raises PM after midnight; afternoon mixing lowers it.
                let diurnal = 1 + 0.25 * sinTurns((local - 20) / 24 + 0.25) + 0.35 * s.traffic * rush(local)
                var haze = 1.0
                if s.province == "01" || s.province == "31", t > hazeStart, t < hazeEnd {
                    let f = Double(t - hazeStart) / Double(hazeEnd - hazeStart)
                    haze = 1 + 1.6 * sinTurns(f / 2)
                }
                let pm25 = max(2, s.pm25 * diurnal * weekly * haze * (1 + 0.25 * persistent) * (1 + 0.08 * rng.normal()))
                // Gaps: HN-TC silent for 6 hours 20 days ago; LS-DD down for most of a day 5 days ago, and silent since
                // 3 days ago.
                let ago = Double(stop - t) / 3600
                if s.code == "HN-TC", ago > 480, ago < 486 { t += Int64(interval); continue }
                if s.code == "LS-DD", ago > 100, ago < 118 { t += Int64(interval); continue }
                // And LS-DD's modem failed 3 days ago: nothing since (the portal shows it grey, with its last value).
                if s.code == "LS-DD", ago < 72 { t += Int64(interval); continue }
                // Calibration: HCM-Q1 checks its analysers with span gas for 3 hours 5 days ago.
                let calibrating = s.code == "HCM-Q1" && ago > 120 && ago < 123
                let status: DeviceStatus = calibrating ? .calibrating : .measuring
                func emit(_ p: String, _ v: Double) {
                    buffer.append(Row(station: s.code, parameter: p, t: t, value: (v * 10).rounded() / 10, status: status))
                }
                emit("PM2.5", calibrating ? 400 : pm25)
                emit("PM10", pm25 * (1.55 + 0.1 * rng.uniform()))
                if s.gases {
                    let traffic = s.traffic * (0.4 + rush(local)) * weekly
                    emit("NO2", max(3, 18 + 55 * traffic * haze * (1 + 0.1 * rng.normal())))
                    emit("SO2", max(1, 12 + 8 * s.traffic * (1 + 0.2 * rng.normal()) * haze))
                    emit("CO", max(200, 700 + 1500 * traffic * haze * (1 + 0.1 * rng.normal())))
                    let sun = max(0, sinTurns((local - 7) / 24))  // peaks at 13:00
                    emit("O3", max(2, 15 * (1 + 0.1 * rng.normal()) + 95 * sun * (1 - 0.3 * s.traffic * rush(local)) * (1 + 0.1 * rng.normal())))
                }
                if buffer.count >= chunk - 8 {
                    try sink(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
                t += Int64(interval)
            }
        }
        // The wastewater outfall: steady treated effluent with an evening COD bump; a treatment upset 2 days ago
        // (COD above the QCVN 40 limit for 3 hours), a TSS analyser stuck for 4 hours 3 days ago (a flat line),
        // and the NH4 analyser in error (status 02) for 45 minutes a day ago.
        var rng = Random(state: 99)
        var t = start + Int64(interval)
        while t <= stop {
            let local = Double((t + Timestamps.vietnamOffset) % Timestamps.day) / 3600
            let ago = Double(stop - t) / 3600
            func emit(_ p: String, _ v: Double, _ status: DeviceStatus = .measuring) {
                buffer.append(Row(station: "HP-DV-WW", parameter: p, t: t, value: (v * 100).rounded() / 100, status: status))
            }
            emit("pH", 7.1 + 0.2 * rng.normal())
            let upset = ago > 46 && ago < 49 ? 140.0 : 0
            emit("COD", max(5, 42 + upset + 18 * rush(local) + 4 * rng.normal()))
            let tss = max(2, 28 + 5 * rng.normal())
            emit("TSS", ago > 71 && ago < 75 ? 31.25 : tss)
            let nh4 = max(0.1, 3.2 + 0.6 * rng.normal())
            if ago > 24 && ago < 24.75 { emit("NH4", 0, .deviceError) } else { emit("NH4", nh4) }
            emit("Flow", max(0, 420 + 120 * sinTurns((local - 6) / 24) + 20 * rng.normal()))
            emit("Temp", 27 + 2 * sinTurns((local - 9) / 24) + 0.3 * rng.normal())
            if buffer.count >= chunk - 8 {
                try sink(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
            t += Int64(interval)
        }
        // The river: a slow afternoon DO peak (photosynthesis), water 2 °C warmer in the afternoon, nutrients and
        // turbidity up for a day after rain 6 days ago.
        var river = Random(state: 2026)
        t = start - start % Int64(riverInterval) + Int64(riverInterval)
        while t <= stop {
            let local = Double((t + Timestamps.vietnamOffset) % Timestamps.day) / 3600
            let ago = Double(stop - t) / 3600
            let rain = ago > 120 && ago < 144 ? 1.0 : 0
            let afternoon = sinTurns((local - 9) / 24)
            func emit(_ p: String, _ v: Double, digits: Double = 100) {
                buffer.append(Row(station: riverStation, parameter: p, t: t, value: (max(0, v) * digits).rounded() / digits, status: .measuring))
            }
            emit("pH", 7.4 + 0.1 * afternoon + 0.05 * river.normal())
            emit("Temp", 24 + 2 * afternoon + 0.2 * river.normal())
            emit("DO", 6.3 + 0.6 * afternoon - 0.8 * rain + 0.15 * river.normal())
            emit("COD", 12 + 6 * rain + 1.2 * river.normal())
            emit("TOC", 4 + 1.5 * rain + 0.3 * river.normal())
            emit("NH4", 0.22 + 0.15 * rain + 0.03 * river.normal(), digits: 1000)
            emit("NO3", 1.2 + 0.4 * rain + 0.1 * river.normal(), digits: 1000)
            emit("PO4", 0.08 + 0.05 * rain + 0.01 * river.normal(), digits: 1000)
            emit("TSS", 28 + 40 * rain + 4 * river.normal())
            emit("As", 0.004 + 0.0006 * river.normal(), digits: 100_000)
            emit("Cu", 0.006 + 0.001 * river.normal(), digits: 100_000)
            emit("Zn", 0.03 + 0.004 * river.normal(), digits: 100_000)
            if buffer.count >= chunk - 12 {
                try sink(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
            t += Int64(riverInterval)
        }
        if !buffer.isEmpty { try sink(buffer) }
    }
}
