import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Read routes over observations and derived data.
struct AirQualityController {
    let services: AppServices

    /// One AQI value; `station` is set in the live-map feed, `subindices` in a station's series.
    struct AQIItem: Encodable {
        var station: String?
        var time: String
        var aqi: Int
        var category: String
        var categoryName: String
        var color: String
        var dominant: String
        var subindices: [String: Int]?
        /// Decision 1459 Bảng 4 and 5 in the requested language (VN_AQI series only).
        var health: String?
        var advice: String?
        var sensitiveAdvice: String?
    }

    func item(_ a: StoredAQI, scale: AQIScale, lang: Language, feed: Bool) -> AQIItem {
        let c = category(scale, a.result.aqi)
        return AQIItem(
            station: feed ? a.station : nil, time: Timestamps.format(a.t), aqi: a.result.aqi, category: c.key, categoryName: c.name(lang),
            color: c.color, dominant: a.result.dominant, subindices: feed ? nil : a.result.subindices,
            health: feed ? nil : c.health(lang), advice: feed ? nil : c.advice(lang), sensitiveAdvice: feed ? nil : c.sensitiveAdvice(lang))
    }

    struct ExceedanceItem: Encodable {
        var id: Int64
        var station: String
        var parameter: String
        var period: String
        var start: String
        var end: String
        var peak: Double
        var peakTime: String
        var limit: Double
        var unit: String
        var standard: String
    }

    enum Resolution: String, CaseIterable { case raw, hour, day }
    enum Format: String, CaseIterable { case json, csv, xlsx }

    static func round(_ x: Double, _ places: Int = 2) -> Double {
        var p = 1.0
        for _ in 0..<places { p *= 10 }
        return (x * p).rounded() / p
    }

    static func writeStats(_ w: inout JSONWriter, mean: Double, min: Double, max: Double, count: Int, coverage: Double) {
        w.key("mean")
        w.number(round(mean))
        w.key("min")
        w.number(min)
        w.key("max")
        w.number(max)
        w.key("count")
        w.number(count)
        w.key("coverage")
        w.number(round(coverage, 1))
    }

    func category(_ scale: AQIScale, _ aqi: Int) -> AQICategory {
        scale == .vn ? services.reference.vnAQI.category(for: aqi) : services.reference.usAQI.category(for: aqi)
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("aqi/latest") { request, _ in
            let lang = Language(rawValue: request.query("lang") ?? "vi") ?? .vi
            // The live map polls this for every station of the network: written byte by byte (as the series are),
            // with the keys in the order the encoder would sort them.
            return JSONWriter.page(try await services.store.latestAQI(), next: nil) { w, a in
                let c = category(.vn, a.result.aqi)
                w.beginObject()
                w.key("aqi")
                w.number(a.result.aqi)
                w.key("category")
                w.string(c.key)
                w.key("categoryName")
                w.string(c.name(lang))
                w.key("color")
                w.string(c.color)
                w.key("dominant")
                w.string(a.result.dominant)
                w.key("station")
                w.string(a.station)
                w.key("time")
                w.time(a.t)
                w.endObject()
            }
        }

        api.get("stations/{code}/aqi") { request, context in
            let code = try context.parameters.require("code")
            try await requireStation(code)
            let resolution = try request.enumQuery("resolution", default: AQIResolution.hour)
            let scale = try request.enumQuery("scale", default: AQIScale.vn)
            if scale == .us && resolution == .day {
                throw Problem(
                    status: .badRequest, detail: "the US EPA AQI is computed hourly only (scale=us needs resolution=hour)", pointer: "/query/scale")
            }
            let (from, to) = try bounds(
                request, defaultSpan: resolution == .hour ? 2 * Timestamps.day : 30 * Timestamps.day,
                maxSpan: resolution == .hour ? Self.maxHourSpan : Self.maxDaySpan)
            let lang = Language(rawValue: request.query("lang") ?? "vi") ?? .vi
            let rows = try await services.store.aqiSeries(station: code, scale: scale, resolution: resolution, from: from, to: to)
            let items = rows.map { item($0, scale: scale, lang: lang, feed: false) }
            let format = try request.enumQuery("format", default: Format.json)
            if format != .json {
                let keys = AQIResult.pollutantOrder
                return try tableResponse(
                    ["time", "aqi", "category", "color", "dominant"] + keys.map { "aqi_\($0)" },
                    items.map { i in [i.time, "\(i.aqi)", i.category, i.color, i.dominant] + keys.map { i.subindices?[$0].map(String.init) ?? "" } },
                    filename: "\(code)-aqi-\(scale.rawValue)-\(resolution.rawValue)", format: format, numbers: Set([1] + (5..<(5 + keys.count))))
            }
            return try JSON.response(Page(items: items, next: nil))
        }

        api.get("stations/{code}/series") { request, context in
            let code = try context.parameters.require("code")
            let station = try await requireStation(code)
            guard let pcode = request.query("parameter") else {
                throw Problem(status: .badRequest, detail: "query parameter 'parameter' is required", pointer: "/query/parameter")
            }
            guard let parameter = services.reference.parameters.resolve(pcode, among: station.parameters.map(\.parameter)),
                station.parameters.contains(where: { $0.parameter == parameter.code })
            else {
                throw Problem(
                    status: .notFound,
                    detail:
                        "station '\(code)' does not measure '\(pcode)' (it measures: \(station.parameters.map(\.parameter).joined(separator: ", ")))",
                    pointer: "/query/parameter")
            }
            let resolution = try request.enumQuery("resolution", default: Resolution.hour)
            let format = try request.enumQuery("format", default: Format.json)
            let file = "\(code)-\(parameter.code)-\(resolution.rawValue)"
            let lead = [code, parameter.code, parameter.unit]
            switch resolution {
            case .raw:
                var (from, to) = try bounds(request, defaultSpan: 2 * Timestamps.day)
                if let cursor = request.query("cursor") {
                    guard let c = Int64(cursor) else { throw Problem(status: .badRequest, detail: "cursor is not valid", pointer: "/query/cursor") }
                    from = max(from, c)
                }
                let limit = try request.intQuery("limit", default: 10_000, range: 1...100_000)
                let rows = try await services.store.rawSeries(station: code, parameter: parameter.code, from: from, to: to, limit: limit)
                let overrides = try await services.store.overrides(station: code, parameter: parameter.code, from: from, to: to).map(\.override)
                func reason(_ r: StoredObservation) -> String? {
                    guard r.qc.overridden else { return r.qc.flag.reason(for: parameter) }
                    let o = overrides.last { $0.from <= r.t && r.t <= $0.to }
                    return "set by \(o?.by ?? "staff") at \(o.map { Timestamps.format($0.at) } ?? "?"): \(o?.reason ?? "")"
                }
                if format != .json {
                    return try tableResponse(
                        Self.leadColumns + ["time", "value", "status", "qc", "qc_reason"],
                        rows.map { lead + [Timestamps.format($0.t), "\($0.value)", $0.status.code, $0.qc.flag.key, reason($0) ?? ""] },
                        filename: file,
                        format: format, numbers: [4])
                }
                return JSONWriter.page(rows, next: rows.count == limit ? rows.last.map { String($0.t + 1) } : nil) { w, r in
                    w.beginObject()
                    w.key("time")
                    w.time(r.t)
                    w.key("value")
                    w.number(r.value)
                    w.key("status")
                    w.string(r.status.code)
                    w.key("qc")
                    w.string(r.qc.flag.key)
                    if let reason = reason(r) {
                        w.key("qcReason")
                        w.string(reason)
                    }
                    if r.qc.overridden {
                        w.key("qcOverridden")
                        w.bool(true)
                    }
                    w.endObject()
                }
            case .hour:
                let (from, to) = try bounds(request, defaultSpan: 2 * Timestamps.day, maxSpan: Self.maxHourSpan)
                let rows = try await services.store.hourlySeries(station: code, parameter: parameter.code, from: from, to: to)
                if format != .json {
                    return try tableResponse(
                        Self.leadColumns + Self.hourColumns, rows.map { lead + Self.hourRow($0) }, filename: file, format: format,
                        numbers: Self.hourNumbers)
                }
                return JSONWriter.page(rows, next: nil) { w, r in
                    w.beginObject()
                    w.key("time")
                    w.time(r.hourEnd)
                    Self.writeStats(&w, mean: r.mean, min: r.min, max: r.max, count: r.count, coverage: r.coverage)
                    w.endObject()
                }
            case .day:
                let (from, to) = try bounds(request, defaultSpan: 30 * Timestamps.day, maxSpan: Self.maxDaySpan)
                let rows = try await services.store.dailySeries(
                    station: code, parameter: parameter.code, from: Timestamps.localMidnight(from), to: to)
                if format != .json {
                    return try tableResponse(
                        Self.leadColumns + Self.dayColumns, rows.map { lead + Self.dayRow($0) }, filename: file, format: format,
                        numbers: Self.dayNumbers)
                }
                return JSONWriter.page(rows, next: nil) { w, r in
                    w.beginObject()
                    w.key("time")
                    w.time(r.dayStart)
                    w.key("date")
                    w.string(Timestamps.localDate(r.dayStart))
                    Self.writeStats(&w, mean: r.mean, min: r.min, max: r.max, count: r.count, coverage: r.coverage)
                    w.key("hours")
                    w.number(r.hours)
                    w.endObject()
                }
            }
        }

        // A whole province as one file: every station's hourly means of a day (`day=YYYY-MM-DD`) or daily means of a
        // year (`year=YYYY`), CSV or XLSX.
        api.get("provinces/{code}/series") { request, context in
            let code = try context.parameters.require("code")
            guard services.reference.provinces.contains(where: { $0.code == code }) else {
                throw StoreError.notFound("province '\(code)' does not exist")
            }
            let format = try request.enumQuery("format", default: Format.csv)
            guard format != .json else {
                throw Problem(status: .badRequest, detail: "a province's file is csv or xlsx", pointer: "/query/format")
            }
            let stations = try await services.store.allStations().filter { $0.province == code && $0.active }
            guard stations.count <= Self.maxProvinceStations else {
                throw Problem(
                    status: .unprocessableContent,
                    detail:
                        "province '\(code)' has \(stations.count) stations; a province file holds at most \(Self.maxProvinceStations): download stations one by one"
                )
            }
            var rows: [[String]] = []
            if let day = request.query("day") {
                guard day.utf8.count == 10, let start = Timestamps.parseDate(day) else {
                    throw Problem(status: .badRequest, detail: "'day' must be a date YYYY-MM-DD", pointer: "/query/day")
                }
                for s in stations {
                    for p in s.parameters {
                        let unit = services.reference.parameters.parameter(code: p.parameter)?.unit ?? ""
                        for r in try await services.store.hourlySeries(
                            station: s.code, parameter: p.parameter, from: start + 3600, to: start + Timestamps.day)
                        {
                            rows.append([s.code, p.parameter, unit] + Self.hourRow(r))
                        }
                    }
                }
                return try tableResponse(
                    Self.leadColumns + Self.hourColumns, rows, filename: "\(code)-\(day)-hour", format: format, numbers: Self.hourNumbers)
            }
            let year = try request.intQuery("year", default: Timestamps.localYear(services.clock()), range: 1990...2100)
            guard let start = Timestamps.parseDate("\(year)-01-01"), let end = Timestamps.parseDate("\(year)-12-31") else {
                throw Problem(status: .badRequest, detail: "'year' is not a year", pointer: "/query/year")
            }
            for s in stations {
                for p in s.parameters {
                    let unit = services.reference.parameters.parameter(code: p.parameter)?.unit ?? ""
                    for r in try await services.store.dailySeries(station: s.code, parameter: p.parameter, from: start, to: end) {
                        rows.append([s.code, p.parameter, unit] + Self.dayRow(r))
                    }
                }
            }
            return try tableResponse(
                Self.leadColumns + Self.dayColumns, rows, filename: "\(code)-\(year)-day", format: format, numbers: Self.dayNumbers)
        }

        api.get("exceedances") { request, _ in
            let station = request.query("station")
            if let station { try await requireStation(station) }
            let (from, to) = try bounds(request, defaultSpan: 30 * Timestamps.day)
            let limit = try request.intQuery("limit", default: 1000, range: 1...10_000)
            let after = try request.query("cursor").map { c -> Int64 in
                guard let v = Int64(c) else { throw Problem(status: .badRequest, detail: "cursor is not valid", pointer: "/query/cursor") }
                return v
            }
            let rows = try await services.store.exceedances(station: station, from: from, to: to, afterID: after, limit: limit)
            let items = rows.map {
                ExceedanceItem(
                    id: $0.id, station: $0.station, parameter: $0.event.parameter, period: $0.event.period.rawValue,
                    start: Timestamps.format($0.event.start),
                    end: Timestamps.format($0.event.end), peak: Self.round($0.event.peak), peakTime: Timestamps.format($0.event.peakTime),
                    limit: $0.event.limit, unit: services.reference.parameters.lookup($0.event.parameter)?.unit ?? "", standard: $0.event.standard)
            }
            return try JSON.response(Page(items: items, next: rows.count == limit ? rows.last.map { String($0.id) } : nil))
        }
    }

    /// The most stations one province file covers (a bound on its rows: 200 × 20 parameters × 366 days).
    static let maxProvinceStations = 200

    /// The columns every downloaded series begins with, so a file says what it holds on its own.
    static let leadColumns = ["station", "parameter", "unit"]
    static let hourColumns = ["time", "mean", "min", "max", "count", "coverage"]
    static let hourNumbers: Set<Int> = [4, 5, 6, 7, 8]
    static func hourRow(_ r: HourlyStat) -> [String] {
        [Timestamps.format(r.hourEnd), "\(round(r.mean))", "\(r.min)", "\(r.max)", "\(r.count)", "\(round(r.coverage, 1))"]
    }
    static let dayColumns = ["date", "mean", "min", "max", "count", "hours", "coverage"]
    static let dayNumbers: Set<Int> = [4, 5, 6, 7, 8, 9]
    static func dayRow(_ r: DailyStat) -> [String] {
        [Timestamps.localDate(r.dayStart), "\(round(r.mean))", "\(r.min)", "\(r.max)", "\(r.count)", "\(r.hours)", "\(round(r.coverage, 1))"]
    }

    @discardableResult
    func requireStation(_ code: String) async throws -> Station {
        guard let s = try await services.store.station(code: code) else { throw StoreError.notFound("station '\(code)' does not exist") }
        return s
    }

    /// The longest range of one request: a year and a day of hours, ten years of days (the rows of a response stay
    /// under 9,000 and 3,700); events and raw values are paged instead.
    static let maxHourSpan: Int64 = 367 * Timestamps.day
    static let maxDaySpan: Int64 = 3_660 * Timestamps.day

    /// `from`/`to` query bounds (inclusive); `to` defaults to now, `from` to `to − defaultSpan`.
    func bounds(_ request: Request, defaultSpan: Int64, maxSpan: Int64? = nil) throws -> (Int64, Int64) {
        try request.timeRange(now: services.clock(), defaultSpan: defaultSpan, maxSpan: maxSpan)
    }
}
