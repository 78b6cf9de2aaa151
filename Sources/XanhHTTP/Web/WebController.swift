import Foundation
import Hummingbird
import Mustache
import XanhCore
import XanhServices
import XanhStore

/// The public pages: every station with its current VN_AQI, and a page per station with 48 hours of AQI.
/// Vietnamese by default, English with `?lang=en`. No external assets.
struct WebController {
    let services: AppServices

    static func labels(_ lang: Language) -> [String: String] {
        switch lang {
        case .vi:
            return [
                "title": "Chất lượng không khí", "stationCount": "Số trạm", "dominant": "Thông số chính",
                "health": "Ảnh hưởng tới sức khỏe", "advice": "Khuyến nghị cho người bình thường",
                "sensitiveAdvice": "Khuyến nghị cho nhóm người nhạy cảm", "chartTitle": "VN_AQI giờ, 48 giờ qua",
                "noAQI": "Chưa có VN_AQI cho trạm này.", "method": "Phương pháp: VN_AQI theo Quyết định 1459/QĐ-TCMT",
                "source": "Nguồn dữ liệu: trạm quan trắc tự động, liên tục", "other": "English",
                "completeness": "Tỷ lệ dữ liệu nhận được (7 ngày qua, % so với số bản ghi dự kiến)", "day": "Ngày",
                "events": "Sự kiện của trạm (7 ngày qua)", "silent": "Mất tín hiệu", "device_error": "Thiết bị báo lỗi",
                "ongoing": "đang diễn ra", "exceedances": "Vượt quy chuẩn (7 ngày qua)", "peak": "Giá trị lớn nhất", "limit": "Giới hạn",
                "none": "Không có.", "alerts": "Cảnh báo", "indicators": "Chỉ tiêu tăng trưởng xanh", "openAlerts": "Cảnh báo đang mở", "recentAlerts": "Cảnh báo gần đây",
                "opened": "Mở lúc", "closed": "Đóng lúc",
            ]
        case .en:
            return [
                "title": "Air quality", "stationCount": "Stations", "dominant": "Dominant pollutant", "health": "Health effects",
                "advice": "Advice for everyone", "sensitiveAdvice": "Advice for sensitive groups", "chartTitle": "Hourly VN_AQI, last 48 hours",
                "noAQI": "No VN_AQI for this station yet.", "method": "Method: VN_AQI per Decision 1459/QĐ-TCMT",
                "source": "Data: automatic continuous monitoring stations", "other": "Tiếng Việt",
                "completeness": "Data received (last 7 days, % of the records expected)", "day": "Day",
                "events": "Station events (last 7 days)", "silent": "Silent", "device_error": "Device error", "ongoing": "ongoing",
                "exceedances": "Limit exceedances (last 7 days)", "peak": "Peak", "limit": "Limit", "none": "None.",
                "alerts": "Alerts", "indicators": "Green-growth indicators", "openAlerts": "Open alerts", "recentAlerts": "Recent alerts", "opened": "Opened", "closed": "Closed",
            ]
        }
    }

    static func kindLabel(_ k: StationKind, _ lang: Language) -> String {
        guard let l = kindLabels[k] else { return k.rawValue }
        return lang == .vi ? l.vi : l.en
    }

    static let kindLabels: [StationKind: (vi: String, en: String)] = [
        .ambientAir: ("Không khí xung quanh", "Ambient air"), .emissionStack: ("Khí thải ống khói", "Stack emissions"),
        .wastewater: ("Nước thải", "Wastewater"), .surfaceWater: ("Nước mặt", "Surface water"), .groundwater: ("Nước dưới đất", "Groundwater"),
        .seawater: ("Nước biển", "Seawater"), .other: ("Khác", "Other"),
    ]

    /// `2026-11-20 10:05`: local time to the minute, as the pages show it.
    static func shortTime(_ t: Int64) -> String {
        String(Timestamps.format(t).replacingOccurrences(of: "T", with: " ").prefix(16))
    }

    static func textColor(_ background: String) -> String {
        ["#FFFF00", "#00E400"].contains(background) ? "#1d2b24" : "#ffffff"
    }

    func register(on router: Router<AppRequestContext>) async throws {
        guard let dir = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw Problem(status: .internalServerError, detail: "templates missing from the XanhHTTP bundle")
        }
        let library = try await MustacheLibrary(directory: dir.path)

        router.get("/") { request, _ in
            let lang = Language(rawValue: request.query("lang") ?? "vi") ?? .vi
            return html(library.render(try await indexModel(lang), withTemplate: "index"))
        }
        router.get("stations/{code}") { request, context in
            let lang = Language(rawValue: request.query("lang") ?? "vi") ?? .vi
            let code = try context.parameters.require("code")
            guard let station = try await services.store.station(code: code) else {
                throw StoreError.notFound("station '\(code)' does not exist")
            }
            return html(library.render(try await stationModel(station, lang), withTemplate: "station"))
        }
        router.get("alerts") { request, _ in
            let lang = Language(rawValue: request.query("lang") ?? "vi") ?? .vi
            return html(library.render(try await alertsModel(lang), withTemplate: "alerts"))
        }
        router.get("indicators") { request, _ in
            let lang = Language(rawValue: request.query("lang") ?? "vi") ?? .vi
            let year = try request.intQuery("year", default: Timestamps.localYear(services.clock()) - 1, range: 1990...2100)
            return html(library.render(try await indicatorsModel(lang, year: year), withTemplate: "indicators"))
        }
    }

    /// Open alerts, then the latest 100, in the page's language.
    func alertsModel(_ lang: Language) async throws -> [String: Any] {
        var model = common(lang, title: Self.labels(lang)["alerts", default: "alerts"], path: "/alerts")
        func rows(_ alerts: [StoredAlert]) -> [[String: Any]] {
            alerts.compactMap { a in
                guard let p = AlertPayload.decode(a.payload) else { return nil }
                return [
                    "station": p.station, "kind": p.kind, "message": lang == .vi ? p.messageVi : p.messageEn,
                    "opened": Self.shortTime(a.openedAt), "closed": a.closedAt.map(Self.shortTime) ?? "",
                ]
            }
        }
        let open = rows(try await services.store.alerts(openOnly: true, limit: 500))
        model["open"] = open
        model["hasOpen"] = !open.isEmpty
        model["recent"] = rows(try await services.store.alerts(openOnly: false, limit: 100))
        return model
    }

    func html(_ text: String?) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text ?? "")))
    }

    func provinceName(_ code: String, _ lang: Language) -> String {
        services.reference.provinces.first { $0.code == code }.map { lang == .vi ? $0.nameVi : $0.nameEn } ?? code
    }

    func common(_ lang: Language, title: String, path: String) -> [String: Any] {
        let other: Language = lang == .vi ? .en : .vi
        let labels = Self.labels(lang)
        return [
            "lang": lang.rawValue, "labels": labels, "title": title, "heading": title, "otherLangHref": "\(path)?lang=\(other.rawValue)",
            "otherLangLabel": labels["other", default: "other"],
            "categories": services.reference.vnAQI.table.categories.map {
                ["min": $0.min, "max": $0.max, "name": $0.name(lang), "color": $0.color, "textColor": Self.textColor($0.color)] as [String: Any]
            },
        ]
    }

    func indexModel(_ lang: Language) async throws -> [String: Any] {
        let stations = try await services.store.allStations().filter(\.active)
        let latest = Dictionary(try await services.store.latestAQI().map { ($0.station, $0) }, uniquingKeysWith: { a, _ in a })
        var model = common(lang, title: Self.labels(lang)["title", default: "title"], path: "/")
        model["stationCount"] = stations.count
        model["stations"] = stations.map { s -> [String: Any] in
            var m: [String: Any] = [
                "code": s.code, "name": s.name, "province": provinceName(s.province, lang), "lang": lang.rawValue,
                "kindLabel": Self.kindLabel(s.kind, lang), "hasAQI": false,
            ]
            if let a = latest[s.code] {
                let c = services.reference.vnAQI.category(for: a.result.aqi)
                m["hasAQI"] = true
                m["aqi"] = a.result.aqi
                m["color"] = c.color
                m["textColor"] = Self.textColor(c.color)
                m["categoryName"] = c.name(lang)
                m["dominant"] = a.result.dominant
                m["time"] = Self.shortTime(a.t) + " (+07)"
            }
            return m
        }
        return model
    }

    func stationModel(_ s: Station, _ lang: Language) async throws -> [String: Any] {
        var model = common(lang, title: s.name, path: "/stations/\(s.code)")
        model["station"] = [
            "code": s.code, "province": provinceName(s.province, lang),
            "kindLabel": Self.kindLabel(s.kind, lang),
            "coordinates": s.latitude.flatMap { lat in s.longitude.map { String(format: "%.4f, %.4f", lat, $0) } } ?? "",
        ] as [String: Any]
        let now = services.clock()
        let hours = try await services.store.aqiSeries(station: s.code, scale: .vn, resolution: .hour, from: now - 48 * 3600, to: now + 3600)
        if let last = hours.last {
            let c = services.reference.vnAQI.category(for: last.result.aqi)
            model["latest"] = [
                "aqi": last.result.aqi, "color": c.color, "textColor": Self.textColor(c.color), "categoryName": c.name(lang),
                "time": Self.shortTime(last.t) + " (+07)",
                "dominant": last.result.dominant, "health": c.health(lang) ?? "", "advice": c.advice(lang) ?? "",
                "sensitiveAdvice": c.sensitiveAdvice(lang) ?? "",
                "subindices": AQIResult.pollutantOrder.compactMap { p in
                    last.result.subindices[p].map { ["parameter": p, "value": $0, "dominant": p == last.result.dominant] as [String: Any] }
                },
            ] as [String: Any]
        }
        model["chart"] = AQIChart.svg(hours, end: Timestamps.hourEnd(now), categories: services.reference.vnAQI, lang: lang)
        model["hasAQI"] = s.kind == .ambientAir
        // Completeness per VN_AQI day and parameter, station events and exceedances of the last 7 days.
        let rows = try await QualityController(services: services).completeness(s.code, from: now - 7 * Timestamps.day, to: now, day: true)
        let params = s.parameters.map(\.parameter)
        model["completenessParameters"] = params
        model["completeness"] = rows.map { r -> [String: Any] in
            ["day": String(r.time.prefix(10)), "total": String(format: "%.0f", r.percent),
             "cells": params.map { p -> [String: Any] in
                let v = r.parameters[p] ?? 0
                return ["value": String(format: "%.0f", v), "low": v < 80]
             }]
        }
        model["hasEvents"] = false
        model["hasExceedances"] = false
        let labels = Self.labels(lang)
        model["events"] = try await services.store.stationEvents(station: s.code, kind: nil, from: now - 7 * Timestamps.day, to: now, limit: 50).map { e -> [String: Any] in
            ["kind": labels[e.event.kind.rawValue] ?? e.event.kind.rawValue, "parameter": e.event.parameter ?? "", "start": Self.shortTime(e.event.start),
             "end": e.event.end.map(Self.shortTime) ?? labels["ongoing", default: "ongoing"]]
        }
        model["exceedances"] = try await services.store.exceedances(station: s.code, from: now - 7 * Timestamps.day, to: now, afterID: nil, limit: 100).map { e -> [String: Any] in
            ["parameter": e.event.parameter, "period": e.event.period.rawValue, "start": Self.shortTime(e.event.start), "end": Self.shortTime(e.event.end),
             "peak": e.event.peak.formatted(.number.precision(.fractionLength(0...2))), "limit": e.event.limit.formatted(.number.precision(.fractionLength(0...2))), "standard": e.event.standard]
        }
        model["hasEvents"] = !((model["events"] as? [Any])?.isEmpty ?? true)
        model["hasExceedances"] = !((model["exceedances"] as? [Any])?.isEmpty ?? true)
        return model
    }
}

/// A 48-hour bar chart of hourly AQI, drawn as inline SVG.
enum AQIChart {
    static func svg(_ rows: [StoredAQI], end: Int64, categories: VNAQI, lang: Language) -> String {
        let width = 720.0
        let height = 240.0
        let top = 10.0
        let bottom = 30.0
        let left = 36.0
        let slots = 48
        let slot = (width - left) / Double(slots)
        let maxAQI = max(200, ((rows.map(\.result.aqi).max() ?? 0) + 49) / 50 * 50)
        let plot = height - top - bottom
        func y(_ v: Int) -> Double { top + plot - Double(v) / Double(maxAQI) * plot }
        var out = ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(Int(width)) \##(Int(height))" width="100%" role="img" aria-label="AQI">"##
        for g in stride(from: 0, through: maxAQI, by: 50) {
            out += ##"<line x1="\##(left)" x2="\##(width)" y1="\##(y(g))" y2="\##(y(g))" stroke="#dde5e0"/>"##
            out += ##"<text x="\##(left - 4)" y="\##(y(g) + 4)" font-size="10" text-anchor="end" fill="#5b6b63">\##(g)</text>"##
        }
        let first = end - Int64(slots - 1) * 3600
        for r in rows where r.t >= first && r.t <= end {
            let i = Double((r.t - first) / 3600)
            let c = categories.category(for: r.result.aqi)
            let x = left + i * slot + 1
            out += ##"<rect class="bar" x="\##(x)" y="\##(y(r.result.aqi))" width="\##(slot - 2)" height="\##(Double(r.result.aqi) / Double(maxAQI) * plot)" fill="\##(c.color)" stroke="#888" stroke-width="0.3"><title>\##(Timestamps.format(r.t)) AQI \##(r.result.aqi) \##(c.name(lang))</title></rect>"##
        }
        for k in stride(from: 0, to: slots, by: 6) {
            let t = first + Int64(k) * 3600
            let label = String(Timestamps.format(t).dropFirst(11).prefix(5))
            out += ##"<text x="\##(left + Double(k) * slot)" y="\##(height - 10)" font-size="10" fill="#5b6b63">\##(label)</text>"##
        }
        return out + "</svg>"
    }
}
