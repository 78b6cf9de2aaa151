import Foundation
import Hummingbird
import XanhCore
import XanhServices

/// `/water`: surface-water quality for the public — the sampling points and surface-water stations on the map in the
/// colour of their latest VN_WQI (hollow grey without one), each with its samples' history (campaign, WQI, band, and
/// which QCVN 08 column a value did not meet), the band legend, and what the index rests on (decision 0019).
extension WebController {
    func waterPage(_ lang: Language) async throws -> WebPage<WaterPage> {
        let words = labels.page(lang)
        let stations = try await services.store.allStations().filter { $0.active || $0.parameters.isEmpty }.filter { $0.kind == .surfaceWater }
        let samples = try await services.store.samples(station: nil, campaign: nil, from: nil, to: nil, limit: 10_000)
        let byStation = Dictionary(grouping: samples, by: \.station)
        let wqi = services.reference.wqi
        func band(_ r: VNWQI.Result?) -> WaterPage.Badge? {
            guard let r, let w = r.wqi, let b = r.band else { return nil }
            return WaterPage.Badge(
                wqi: w, color: b.color, textColor: Self.textColor(b.color), name: lang == .vi ? b.nameVi : b.nameEn,
                use: lang == .vi ? b.useVi : b.useEn)
        }
        var markers: [MapView.Marker] = []
        var points: [WaterPage.Point] = []
        for s in stations.sorted(by: { ($0.province, $0.name) < ($1.province, $1.name) }) {
            let history = (byStation[s.code] ?? []).sorted { $0.time > $1.time }
            var latest = history.first.flatMap { band($0.wqi) }
            var latestHour: String?
            if !s.parameters.isEmpty {
                // An automatic station: its latest computable hour of the last two days, when newer than its samples.
                let now = services.clock()
                let hours = try await services.automaticWQI.points(s, from: now - 2 * Timestamps.day, to: now + Timestamps.hour, day: false)
                if let h = hours.last(where: { $0.result.wqi != nil }), h.t > (history.first?.time ?? .min) {
                    latest = band(h.result)
                    latestHour = Self.shortTime(h.t, lang)
                }
            }
            if let lat = s.latitude, let lon = s.longitude {
                let state = latest.map { "VN_WQI \($0.wqi) \($0.name)" } ?? words["wqiNone", default: "no WQI"]
                markers.append(
                    MapView.Marker(
                        code: s.code, label: "\(s.name): \(state)", lon: lon, lat: lat, color: latest?.color ?? "#d7dcd9", stale: latest == nil,
                        href: "#point-\(s.code)"))
            }
            let rows = history.prefix(12).map { sample in
                WaterPage.Row(
                    time: Self.shortTime(sample.time, lang), campaign: sample.campaign ?? "–", badge: band(sample.wqi),
                    why: sample.wqi.map { $0.notComputable.joined(separator: "; ") } ?? "",
                    exceeds: sample.values.filter { !$0.exceeds.isEmpty }.map { "\($0.parameter) (\($0.exceeds.joined(separator: ", ")))" }
                        .joined(separator: ", "))
            }
            points.append(
                WaterPage.Point(
                    code: s.code, anchor: "point-\(s.code)", name: s.name, province: provinceName(s.province, lang),
                    kind: s.parameters.isEmpty ? words["samplingPoint", default: "sampling point"] : labels.kind(s.kind, lang), latest: latest,
                    latestHour: latestHour, station: s.parameters.isEmpty ? nil : "/stations/\(Self.query(s.code))?lang=\(lang.rawValue)",
                    rows: rows, hasRows: !rows.isEmpty, samples: "/api/v1/samples?station=\(Self.query(s.code))"))
        }
        let outlines = try await mapOutlines()
        let areas = services.reference.provinces.compactMap { p in
            outlines[p.code].map {
                MapView.Area(code: p.code, name: lang == .vi ? p.nameVi : p.nameEn, outline: $0, href: "/provinces/\(p.code)?lang=\(lang.rawValue)")
            }
        }
        var frame: [Geometry.Point] = markers.map { Geometry.Point($0.lon, $0.lat) }
        if frame.isEmpty { frame = areas.flatMap { $0.outline.rings.flatMap { $0 } + $0.outline.dots } }
        let map = MapView(framing: frame).svg(areas: areas, focus: nil, markers: markers, label: words["waterMap", default: "Map"])
        let legend = wqi.table.bands.sorted { $0.min > $1.min }.map { b in
            WaterPage.Legend(color: b.color, textColor: Self.textColor(b.color), name: lang == .vi ? b.nameVi : b.nameEn, min: b.min)
        }
        return layout(
            lang, title: words["water", default: "Water"], path: "/water",
            WaterPage(
                points: points, hasPoints: !points.isEmpty, map: map, legend: legend, version: wqi.table.version,
                limits: services.reference.surfaceWaterLimits.version))
    }
}

/// `/water`.
struct WaterPage: Sendable {
    struct Badge: Sendable {
        var wqi: Int
        var color, textColor, name, use: String
    }
    struct Row: Sendable {
        var time, campaign: String
        var badge: Badge?
        var why, exceeds: String
    }
    struct Point: Sendable {
        var code, anchor, name, province, kind: String
        var latest: Badge?
        /// The hour the latest index is of, for an automatic station.
        var latestHour: String?
        var station: String?
        var rows: [Row]
        var hasRows: Bool
        var samples: String
    }
    struct Legend: Sendable {
        var color, textColor, name: String
        var min: Int
    }
    var points: [Point]
    var hasPoints: Bool
    var map: String
    var legend: [Legend]
    var version, limits: String
}
