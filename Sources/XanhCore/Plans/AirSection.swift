import Foundation

/// The air section of the province's annual environmental-protection report (Circular 02/2022/TT-BTNMT, Mẫu 03,
/// section I.1): the share of days in the year with PM2.5 and PM10 daily means above QCVN 05 per station and per city,
/// and daily and monthly means (AQI, PM2.5, PM10) against earlier years (decision 0016).
///
/// A valid day has at least 18 hourly means (75 %), the rule the 24-hour QCVN comparison uses elsewhere; a day is above
/// the limit when its mean exceeds the 24-hour limit in force that day. A city's daily mean is the mean of its
/// stations' valid daily means that day.
public struct AirSection: Sendable, Equatable, Encodable {
    public struct Share: Sendable, Equatable, Encodable {
        public var key: String
        public var name: String
        public var parameter: String
        public var limit: Double?
        public var validDays: Int
        public var daysAbove: Int
        /// Percent of valid days above the limit; nil without a valid day.
        public var share: Double?
    }

    public struct Monthly: Sendable, Equatable, Encodable {
        public var key: String
        public var name: String
        public var parameter: String
        /// Year → twelve monthly means (nil for a month without a valid day).
        public var means: [String: [Double?]]
    }

    /// A city's daily means through a year, by day of the year (1 January first), for the daily trend charts.
    public struct Daily: Sendable, Equatable, Encodable {
        public var key: String
        public var name: String
        public var parameter: String
        /// Year → one mean per day of that year (nil for a day without a valid mean).
        public var means: [String: [Double?]]
    }

    public var year: Int
    public var years: [Int]
    public var stations: [Share]
    public var cities: [Share]
    public var monthly: [Monthly]
    /// The report year and the one before.
    public var daily: [Daily]

    /// One station's daily values of one parameter (PM2.5, PM10, or `VN_AQI` for the daily index).
    public struct Input: Sendable {
        public var station: String
        public var stationName: String
        public var city: String
        public var cityName: String
        public var parameter: String
        /// Local midnight of the day (UTC seconds), the mean, the hours behind it.
        public var days: [(dayStart: Int64, mean: Double, hours: Int)]
        public init(
            station: String, stationName: String, city: String, cityName: String, parameter: String,
            days: [(dayStart: Int64, mean: Double, hours: Int)]
        ) {
            self.station = station
            self.stationName = stationName
            self.city = city
            self.cityName = cityName
            self.parameter = parameter
            self.days = days
        }
    }

    public static let minimumHours = 18

    static func share(_ means: [(day: Int64, mean: Double)], limit: (Int64) -> Double?) -> (valid: Int, above: Int, share: Double?, limit: Double?) {
        var above = 0
        var lastLimit: Double?
        for m in means {
            if let l = limit(m.day) {
                lastLimit = l
                if m.mean > l { above += 1 }
            }
        }
        return (means.count, above, means.isEmpty ? nil : Double(above) / Double(means.count) * 100, lastLimit)
    }

    static func monthlyMeans(_ means: [(day: Int64, mean: Double)], year: Int) -> [Double?] {
        var sums = [Double](repeating: 0, count: 12)
        var counts = [Int](repeating: 0, count: 12)
        for m in means {
            guard let d = CivilDate(epochSeconds: m.day), d.year == year else { continue }
            sums[d.month - 1] += m.mean
            counts[d.month - 1] += 1
        }
        return (0..<12).map { counts[$0] == 0 ? nil : sums[$0] / Double(counts[$0]) }
    }

    static func dailyMeans(_ means: [(day: Int64, mean: Double)], year: Int) -> [Double?] {
        guard let jan1 = CivilDate(year: year, month: 1, day: 1), let dec31 = CivilDate(year: year, month: 12, day: 31) else { return [] }
        var out = [Double?](repeating: nil, count: dec31.dayNumber - jan1.dayNumber + 1)
        for m in means {
            guard let d = CivilDate(epochSeconds: m.day), d.year == year else { continue }
            out[d.dayNumber - jan1.dayNumber] = m.mean
        }
        return out
    }

    /// `limit(parameter, day)`: the 24-hour limit in force (nil for the index, which has none).
    public static func compute(year: Int, earlier: Int = 2, inputs: [Input], limit: (String, Int64) -> Double?) -> AirSection {
        let years = Array((year - max(0, earlier))...year)
        func valid(_ i: Input, _ y: Int) -> [(day: Int64, mean: Double)] {
            i.days.filter { $0.hours >= minimumHours && CivilDate(epochSeconds: $0.dayStart)?.year == y }.map { ($0.dayStart, $0.mean) }
        }
        var stations: [Share] = []
        var monthly: [Monthly] = []
        for i in inputs.sorted(by: { ($0.city, $0.station, $0.parameter) < ($1.city, $1.station, $1.parameter) }) {
            if i.parameter != "VN_AQI" {
                let s = share(valid(i, year)) { limit(i.parameter, $0) }
                stations.append(
                    Share(
                        key: i.station, name: i.stationName, parameter: i.parameter, limit: s.limit, validDays: s.valid, daysAbove: s.above,
                        share: s.share))
            }
            monthly.append(
                Monthly(
                    key: i.station, name: i.stationName, parameter: i.parameter,
                    means: Dictionary(uniqueKeysWithValues: years.map { (String($0), monthlyMeans(valid(i, $0), year: $0)) })))
        }
        // Cities: the mean of their stations' valid daily means, day by day.
        var cities: [Share] = []
        var daily: [Daily] = []
        let byCity = Dictionary(grouping: inputs, by: { "\($0.city)\u{1}\($0.parameter)" })
        for key in byCity.keys.sorted() {
            guard let group = byCity[key], let first = group.first else { continue }
            var perYear: [String: [Double?]] = [:]
            var perDay: [String: [Double?]] = [:]
            for y in years {
                var days: [Int64: (sum: Double, n: Int)] = [:]
                for i in group {
                    for v in valid(i, y) {
                        let d = days[v.day] ?? (0, 0)
                        days[v.day] = (d.sum + v.mean, d.n + 1)
                    }
                }
                let means = days.keys.sorted().compactMap { k in days[k].map { (day: k, mean: $0.sum / Double($0.n)) } }
                perYear[String(y)] = monthlyMeans(means, year: y)
                if y >= year - 1 { perDay[String(y)] = dailyMeans(means, year: y) }
                if y == year, first.parameter != "VN_AQI" {
                    let s = share(means) { limit(first.parameter, $0) }
                    cities.append(
                        Share(
                            key: first.city, name: first.cityName, parameter: first.parameter, limit: s.limit, validDays: s.valid, daysAbove: s.above,
                            share: s.share))
                }
            }
            monthly.append(Monthly(key: first.city, name: first.cityName, parameter: first.parameter, means: perYear))
            daily.append(Daily(key: first.city, name: first.cityName, parameter: first.parameter, means: perDay))
        }
        return AirSection(year: year, years: years, stations: stations, cities: cities, monthly: monthly, daily: daily)
    }
}
