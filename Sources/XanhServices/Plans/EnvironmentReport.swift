import Foundation
import XanhCore
import XanhStore

/// The air section (I.1) of the province's annual environmental-protection report, Circular 02/2022 Mẫu 03, from the
/// stored daily means of the ambient-air stations: the figures (`AirSection`) and the document that carries them.
public struct EnvironmentReport: Sendable {
    let services: AppServices

    public init(services: AppServices) { self.services = services }

    /// The figures of a year, for the stations of one province or of all.
    public func figures(year: Int, province: String? = nil) async throws -> AirSection {
        let store = services.store
        let directory = try await store.seriesDirectory()
        let provinces = Dictionary(services.reference.provinces.map { ($0.code, $0.nameVi) }, uniquingKeysWith: { a, _ in a })
        guard let from = Timestamps.parseDate("\(year - 2)-01-01"), let to = Timestamps.parseDate("\(year)-12-31") else {
            throw InputError("year \(year) is out of range", pointer: "year")
        }
        var inputs: [AirSection.Input] = []
        var after: String?
        repeat {
            let page = try await store.stations(after: after, limit: 500, kind: .ambientAir, province: province)
            for s in page {
                let city = provinces[s.province] ?? s.province
                for parameter in ["PM2.5", "PM10"] {
                    guard let series = directory.stations[s.code]?.series[parameter] else { continue }
                    let days = try await store.daily(series: series, from: from, to: to).map {
                        (dayStart: $0.dayStart, mean: $0.mean, hours: $0.hours)
                    }
                    inputs.append(
                        AirSection.Input(station: s.code, stationName: s.name, city: s.province, cityName: city, parameter: parameter, days: days))
                }
                let aqi = try await store.aqiSeries(station: s.code, scale: .vn, resolution: .day, from: from, to: to + Timestamps.day)
                if !aqi.isEmpty {
                    inputs.append(
                        AirSection.Input(
                            station: s.code, stationName: s.name, city: s.province, cityName: city, parameter: "VN_AQI",
                            days: aqi.map { (dayStart: $0.t, mean: Double($0.result.aqi), hours: 24) }))
                }
            }
            after = page.count == 500 ? page.last?.code : nil
        } while after != nil
        let limits = services.reference.limits
        return AirSection.compute(year: year, inputs: inputs) { parameter, day in limits.limit(parameter: parameter, period: .hour24, at: day)?.value
        }
    }

    static let months = (1...12).map { "T\($0)" }

    /// The section as a document: the exceedance tables, the monthly tables and the charts for the report year and the
    /// one before.
    public func document(year: Int, province: String? = nil) async throws -> ReportDocument {
        let f = try await figures(year: year, province: province)
        let place = province.flatMap { p in services.reference.provinces.first { $0.code == p }?.nameVi } ?? "……"
        func pct(_ v: Double?) -> String { v.map { ReportDocument.number($0) + " %" } ?? "–" }
        var blocks: [ReportDocument.Block] = [
            .note(
                "Số liệu từ các trạm quan trắc không khí tự động, liên tục; ngày hợp lệ có ít nhất \(AirSection.minimumHours) giá trị trung bình giờ; so sánh với giới hạn trung bình 24 giờ của QCVN 05:2023/BTNMT."
            ),
            .heading("I.1. Hiện trạng và diễn biến chất lượng môi trường không khí", level: 1),
            .heading("a) Tỷ lệ số ngày có giá trị bụi PM2,5 và PM10 trung bình 24 giờ vượt quy chuẩn", level: 2),
            .table(
                ReportDocument.Table(
                    columns: ["Trạm / đô thị", "Thông số", "Giới hạn (µg/m³)", "Số ngày hợp lệ", "Số ngày vượt", "Tỷ lệ ngày vượt"],
                    widths: [30, 12, 14, 14, 14, 16],
                    rows: (f.stations + f.cities).map {
                        [
                            $0.name, $0.parameter.replacingOccurrences(of: ".", with: ","), ReportDocument.number($0.limit), String($0.validDays),
                            String($0.daysAbove), pct($0.share),
                        ]
                    })),
            .heading("b) Diễn biến giá trị trung bình tháng", level: 2),
        ]
        for parameter in ["VN_AQI", "PM2.5", "PM10"] {
            let rows = f.monthly.filter { $0.parameter == parameter }
            guard !rows.isEmpty else { continue }
            let label = parameter == "VN_AQI" ? "VN_AQI" : parameter.replacingOccurrences(of: ".", with: ",") + " (µg/m³)"
            blocks.append(
                .table(
                    ReportDocument.Table(
                        columns: ["\(label)", "Năm"] + Self.months, widths: [22, 8] + Array(repeating: 6, count: 12),
                        rows: rows.flatMap { m in
                            f.years.map { y in [m.name, String(y)] + (m.means[String(y)] ?? []).map { ReportDocument.number($0) } }
                        })))
            // Charts for the report year and the year before, the cities' means.
            for m in rows where f.cities.contains(where: { $0.key == m.key }) || (parameter == "VN_AQI" && !f.stations.contains { $0.key == m.key }) {
                blocks.append(
                    .chart(
                        ReportDocument.Chart(
                            title: "\(label) trung bình tháng — \(m.name)", kind: .line, categories: Self.months,
                            series: [year - 1, year].map { y in .init(name: String(y), values: m.means[String(y)] ?? []) }, valueAxis: label)))
            }
        }
        // Daily means of each city through the report year against the year before.
        blocks.append(.heading("c) Diễn biến giá trị trung bình ngày", level: 2))
        for d in f.daily {
            let label = d.parameter == "VN_AQI" ? "VN_AQI" : d.parameter.replacingOccurrences(of: ".", with: ",") + " (µg/m³)"
            let days = max(d.means[String(year)]?.count ?? 0, d.means[String(year - 1)]?.count ?? 0)
            let categories = (0..<days).map { i in
                CivilDate(year: year, month: 1, day: 1)?.adding(days: i).map { "\($0.day)/\($0.month)" } ?? String(i + 1)
            }
            blocks.append(
                .chart(
                    ReportDocument.Chart(
                        title: "\(label) trung bình ngày — \(d.name)", kind: .line, categories: categories,
                        series: [year - 1, year].map { y in .init(name: String(y), values: d.means[String(y)] ?? []) }, valueAxis: label)))
        }
        return ReportDocument(
            header: ReportDocument.Header(
                parent: "ỦY BAN NHÂN DÂN \(PlanReport.upper(place))", issuer: "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", number: "Số:      /BC-STNMT",
                place: place, date: nil,
                year: year + 1),
            title: "Công tác bảo vệ môi trường năm \(year) (Mẫu số 03, Phụ lục VI, Thông tư 02/2022/TT-BTNMT) — Phần I.1: Môi trường không khí",
            blocks: blocks, signatureTitle: "GIÁM ĐỐC",
            recipients: ["Ủy ban nhân dân \(place) (để báo cáo);", "Bộ Nông nghiệp và Môi trường;", "Lưu: VT."])
    }
}
