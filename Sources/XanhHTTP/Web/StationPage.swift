import Foundation
import XanhCore
import XanhServices
import XanhStore

/// `/stations/{code}`: the current VN_AQI with each pollutant's concentration and sub-index, a chart of one parameter
/// over a range with its figures, 48 hours of VN_AQI, the year's calendar, exceedances, events, completeness and the
/// downloads.
extension WebController {
    func station(
        _ code: String, _ lang: Language, parameter requested: String? = nil, range: ChartRange = .week
    ) async throws -> WebPage<
        StationPage
    > {
        guard let s = try await services.store.station(code: code) else { throw StoreError.notFound("station '\(code)' does not exist") }
        let words = labels.page(lang)
        let now = services.clock()
        let week = now - 7 * Timestamps.day
        let hours = try await services.store.aqiSeries(station: s.code, scale: .vn, resolution: .hour, from: now - 48 * 3600, to: now + 3600)
        let ongoing = try await ongoingEvents()[s.code]
        let fresh = hours.last.flatMap { isStale($0.t) || ongoing != nil ? nil : $0 }
        var lastAQI = hours.last
        if lastAQI == nil { lastAQI = try await services.store.latestAQI().first { $0.station == s.code } }
        var latest: StationPage.Latest?
        if let last = fresh {
            let c = services.reference.vnAQI.category(for: last.result.aqi)
            var rows: [StationPage.Subindex] = []
            for p in AQIResult.pollutantOrder {
                guard let value = last.result.subindices[p] else { continue }
                // The hour's mean concentration beside its sub-index, with the parameter's unit.
                let mean = try await services.store.hourlySeries(station: s.code, parameter: p, from: last.t, to: last.t).first {
                    $0.hourEnd == last.t
                }
                let unit = services.reference.parameters.parameter(code: p)?.unit ?? ""
                rows.append(
                    StationPage.Subindex(
                        parameter: p, value: value, dominant: p == last.result.dominant,
                        concentration: mean.map { "\(Self.number($0.mean, lang)) \(unit)" }))
            }
            latest = StationPage.Latest(
                badge: badge(last, lang), health: c.health(lang) ?? "", advice: c.advice(lang) ?? "", sensitiveAdvice: c.sensitiveAdvice(lang) ?? "",
                subindices: rows)
        }
        // Completeness per VN_AQI day and parameter, station events and exceedances of the last 7 days.
        let rows = try await QualityController(services: services).completeness(s.code, from: week, to: now, day: true)
        let params = s.parameters.map(\.parameter)
        let completeness = rows.map { r in
            StationPage.CompletenessDay(
                day: String(r.time.prefix(10)), total: String(format: "%.0f", r.percent),
                cells: params.map { p in
                    let v = r.parameters[p] ?? 0
                    return StationPage.Cell(value: String(format: "%.0f", v), low: v < 80)
                })
        }
        let events = try await services.store.stationEvents(station: s.code, kind: nil, from: week, to: now, limit: 50).map { e in
            StationPage.Event(
                kind: words[e.event.kind.rawValue] ?? e.event.kind.rawValue, parameter: e.event.parameter ?? "",
                start: Self.shortTime(e.event.start, lang),
                end: e.event.end.map { Self.shortTime($0, lang) } ?? words["ongoing", default: "ongoing"])
        }
        let exceedances = try await services.store.exceedances(station: s.code, from: week, to: now, afterID: nil, limit: 100).map { e in
            StationPage.Exceedance(
                parameter: e.event.parameter, period: e.event.period.rawValue, start: Self.shortTime(e.event.start, lang),
                end: Self.shortTime(e.event.end, lang),
                peak: Self.number(e.event.peak, lang), limit: Self.number(e.event.limit, lang), standard: e.event.standard)
        }
        let about = StationPage.About(
            code: s.code, province: provinceName(s.province, lang), kindLabel: labels.kind(s.kind, lang),
            coordinates: s.latitude.flatMap { lat in s.longitude.map { String(format: "%.4f, %.4f", lat, $0) } } ?? "")
        let series = try await seriesSection(s, lang, requested: requested, range: range)
        let calendar = s.kind == .ambientAir ? try await aqiCalendar(s.code, lang) : []
        let content = StationPage(
            station: about, latest: latest, hasAQI: s.kind == .ambientAir,
            chart: AQIChart.svg(hours, end: Timestamps.hourEnd(now), categories: services.reference.vnAQI, lang: lang),
            aqiRowsHTML: Self.tableRows(
                hours.suffix(48).reversed().map { h in
                    let c = services.reference.vnAQI.category(for: h.result.aqi)
                    return [Self.shortTime(h.t, lang), String(h.result.aqi), c.name(lang), h.result.dominant]
                }),
            series: series, calendarHTML: Self.calendarRows(calendar), hasCalendar: !calendar.isEmpty,
            completenessParameters: params, completeness: completeness, events: events, exceedances: exceedances,
            hasEvents: !events.isEmpty, hasExceedances: !exceedances.isEmpty,
            stale: fresh == nil && (s.kind == .ambientAir || ongoing != nil) ? freshness(lastAQI, ongoing: ongoing, lang) : nil)
        return layout(lang, title: s.name, path: "/stations/\(s.code)", content)
    }

    /// One parameter's chart over a range, its figures, the links to the other parameters and ranges, and the
    /// download form.
    func seriesSection(_ s: Station, _ lang: Language, requested: String?, range: ChartRange) async throws -> StationPage.Series {
        let words = labels.page(lang)
        let measured = s.parameters.map(\.parameter)
        let catalogue = services.reference.parameters
        var code = measured.contains("PM2.5") ? "PM2.5" : measured.first ?? ""
        if let requested {
            guard let p = catalogue.resolve(requested, among: measured), measured.contains(p.code) else {
                throw Problem(
                    status: .badRequest,
                    detail: "station '\(s.code)' does not measure '\(requested)' (it measures: \(measured.joined(separator: ", ")))",
                    pointer: "/query/parameter")
            }
            code = p.code
        }
        let unit = catalogue.parameter(code: code)?.unit ?? ""
        let now = services.clock()
        let to = range.daily ? Timestamps.localMidnight(now) : Timestamps.hourEnd(now)
        let from = to - range.span
        let points: [TimeSeriesChart.Point]
        if range.daily {
            points = try await services.store.dailySeries(station: s.code, parameter: code, from: from, to: to).map {
                .init(t: $0.dayStart, value: $0.mean)
            }
        } else {
            points = try await services.store.hourlySeries(station: s.code, parameter: code, from: from + 3600, to: to).map {
                .init(t: $0.hourEnd, value: $0.mean)
            }
        }
        // Hourly means against the 1-hour limit where QCVN 05 sets one, else against the 24-hour limit (labelled so);
        // daily means against the 24-hour limit.
        let limits = services.reference.limits
        let limit =
            range.daily
            ? limits.limit(parameter: code, period: .hour24, at: to)
            : (limits.limit(parameter: code, period: .hour1, at: to) ?? limits.limit(parameter: code, period: .hour24, at: to))
        let limitLabel = limit.map { l in
            "\(l.standard.replacingOccurrences(of: "/BTNMT", with: "")) \(words["period_\(l.period.rawValue)", default: l.period.rawValue]): \(Self.number(l.value, lang, digits: 0))"
        }
        let (ticks, tickLabel) = TimeSeriesChart.ticks(range, from: from, to: to)
        let values = points.map(\.value)
        let resolutionWord = words[range.daily ? "dailyMeans" : "hourlyMeans", default: ""]
        let title = "\(code) · \(resolutionWord) (\(unit)) · \(words[range.labelKey, default: range.rawValue])"
        var description = words["chartNoData", default: "No data"]
        if let lo = values.min(), let hi = values.max() {
            let over = limit.map { l in values.filter { $0 > l.value }.count } ?? 0
            description = words["chartSummary", default: "{n} {min} {max} {over}"]
                .replacingOccurrences(of: "{n}", with: String(values.count))
                .replacingOccurrences(of: "{min}", with: Self.number(lo, lang))
                .replacingOccurrences(of: "{max}", with: Self.number(hi, lang))
                .replacingOccurrences(of: "{over}", with: limit == nil ? "–" : String(over))
        }
        let chart = TimeSeriesChart(
            points: points, from: from, to: to, step: range.daily ? Timestamps.day : 3600,
            limit: limit.flatMap { l in limitLabel.map { (l.value, $0) } },
            title: title, description: description, lang: lang, tickLabel: tickLabel, ticks: ticks)
        let base = "/stations/\(s.code)?lang=\(lang.rawValue)"
        return StationPage.Series(
            parameter: code, unit: unit, title: title, svg: chart.svg(id: "series"), summary: description,
            parameters: measured.map {
                .init(label: $0, href: "\(base)&parameter=\(Self.query($0))&range=\(range.rawValue)#chart", current: $0 == code)
            },
            ranges: ChartRange.allCases.map {
                .init(
                    label: words[$0.labelKey, default: $0.rawValue], href: "\(base)&parameter=\(Self.query(code))&range=\($0.rawValue)#chart",
                    current: $0 == range)
            },
            rowsHTML: Self.tableRows(
                points.reversed().map { [range.daily ? Self.shortDate($0.t) : Self.shortTime($0.t, lang), Self.number($0.value, lang, digits: 2)] }),
            downloadParameters: measured.map { IndexPage.Option(code: $0, name: $0, selected: $0 == code) },
            downloadFrom: Timestamps.localDate(Timestamps.localMidnight(now) - 365 * Timestamps.day),
            downloadTo: Timestamps.localDate(Timestamps.localMidnight(now) + Timestamps.day),
            provinceDay: Timestamps.localDate(Timestamps.localMidnight(now) - Timestamps.day), provinceYear: Timestamps.localYear(now),
            provinceCode: s.province,
            apiHref: "/api/v1/stations/\(s.code)/series?parameter=\(Self.query(code))&resolution=\(range.daily ? "day" : "hour")")
    }

    /// The daily VN_AQI of this year, month by month (a calendar as openair's `calendarPlot` draws it).
    func aqiCalendar(_ station: String, _ lang: Language) async throws -> [StationPage.CalendarMonth] {
        let now = services.clock()
        let year = Timestamps.localYear(now)
        guard let start = Timestamps.parseDate("\(year)-01-01") else { return [] }
        let days = try await services.store.aqiSeries(station: station, scale: .vn, resolution: .day, from: start, to: now)
        var months: [Int: [Int: StoredAQI]] = [:]
        for d in days {
            let c = Timestamps.civilFromDays(Timestamps.floorDiv(d.t + Timestamps.vietnamOffset, Timestamps.day))
            months[Int(c.month), default: [:]][Int(c.day)] = d
        }
        let words = labels.page(lang)
        return months.keys.sorted().map { m in
            let count = Int(Timestamps.daysInMonth(Int64(year), Int64(m)))
            return StationPage.CalendarMonth(
                name: words["month_\(m)", default: "\(m)"] + " \(year)",
                days: (1...31).map { d in
                    guard d <= count else { return StationPage.CalendarDay(day: "", aqi: "", color: "", textColor: "", label: "") }
                    guard let a = months[m]?[d] else {
                        return StationPage.CalendarDay(day: String(d), aqi: "", color: "#ffffff", textColor: "#5b6b63", label: "")
                    }
                    let c = services.reference.vnAQI.category(for: a.result.aqi)
                    return StationPage.CalendarDay(
                        day: String(d), aqi: String(a.result.aqi), color: c.color, textColor: Self.textColor(c.color), label: c.name(lang))
                })
        }
    }

    /// Table rows of escaped cells.
    static func tableRows(_ rows: [[String]]) -> String {
        var out = ""
        out.reserveCapacity(rows.count * 48)
        for r in rows { out += "<tr>" + r.map { "<td>\(Markup.escape($0))</td>" }.joined() + "</tr>" }
        return out
    }

    /// The calendar's rows: a month per row, a day per cell coloured by its category, with its value and a title.
    static func calendarRows(_ months: [StationPage.CalendarMonth]) -> String {
        var out = ""
        for m in months {
            out += "<tr><th scope=\"row\">\(Markup.escape(m.name))</th>"
            for d in m.days {
                if d.aqi.isEmpty {
                    out += "<td></td>"
                } else {
                    out +=
                        "<td style=\"background:\(d.color);color:\(d.textColor)\" title=\"\(Markup.escape("\(d.day): VN_AQI \(d.aqi) \(d.label)"))\">\(d.aqi)</td>"
                }
            }
            out += "</tr>"
        }
        return out
    }

    /// A query value with what a URL's query may not hold percent-encoded (`PM2.5` stays as it is).
    static func query(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))) ?? s
    }

    /// `20/11/2026`.
    static func shortDate(_ t: Int64) -> String {
        let d = Timestamps.localDate(t).split(separator: "-")
        return d.count == 3 ? "\(d[2])/\(d[1])/\(d[0])" : Timestamps.localDate(t)
    }
}
