import Foundation
import XanhCore
import XanhServices
import XanhStore

/// The public page of the green-growth indicators: the composite index ranking with each rank's range, the nation's
/// value of every indicator, and the progress of the targets.
extension WebController {
    static func indicatorLabels(_ lang: Language) -> [String: String] {
        lang == .vi
            ? [
                "title": "Chỉ tiêu tăng trưởng xanh", "index": "Chỉ số tăng trưởng xanh cấp tỉnh", "rank": "Hạng", "province": "Tỉnh, thành phố",
                "score": "Điểm", "rankRange": "Khoảng hạng (phân tích độ nhạy)", "nation": "Cả nước", "indicator": "Chỉ tiêu", "value": "Giá trị",
                "unit": "Đơn vị", "targets": "Mục tiêu", "target": "Mục tiêu", "status": "Tình trạng", "source": "Căn cứ", "year": "Năm",
                "imputed": "giá trị thiếu được thay bằng trung bình", "noData": "Chưa có số liệu.", "method": "Phương pháp: decisions 0009–0011.",
                "achieved": "Đạt", "on_track": "Đúng tiến độ", "at_risk": "Có nguy cơ chậm", "off_track": "Chậm tiến độ", "no_data": "Chưa có số liệu",
            ]
            : [
                "title": "Green-growth indicators", "index": "Provincial green growth index", "rank": "Rank", "province": "Province",
                "score": "Score", "rankRange": "Rank range (sensitivity analysis)", "nation": "Nation", "indicator": "Indicator", "value": "Value",
                "unit": "Unit", "targets": "Targets", "target": "Target", "status": "Status", "source": "Source", "year": "Year",
                "imputed": "missing values replaced by the mean", "noData": "No data yet.", "method": "Method: decisions 0009–0011.",
                "achieved": "Achieved", "on_track": "On track", "at_risk": "At risk", "off_track": "Off track", "no_data": "No data",
            ]
    }

    static let statusColors = ["achieved": "#00a651", "on_track": "#7cc242", "at_risk": "#f5a623", "off_track": "#e53935", "no_data": "#9e9e9e"]

    func indicatorsModel(_ lang: Language, year: Int) async throws -> [String: Any] {
        let labels = Self.indicatorLabels(lang)
        var model = common(lang, title: labels["title", default: "title"], path: "/indicators")
        model["ind"] = labels
        model["year"] = year
        model["prevYear"] = year - 1
        model["nextYear"] = year + 1
        let service = IndicatorService(store: services.store)
        let catalogue = try await service.catalogue()
        let hierarchy = try await service.hierarchy()
        func fmt(_ d: Double?) -> String { d.map { abs($0) >= 100 ? String(format: "%.0f", $0) : String(format: "%.1f", $0) } ?? "—" }
        if let def = try IndexCatalogue.bundled().indexes.first {
            let data = try await service.indexData(def, year: year)
            let result = CompositeIndex.compute(def, data: data)
            let ranges = Dictionary(
                uniqueKeysWithValues: CompositeIndex.sensitivity(def, data: data, runs: 200, seed: 1).units.map { ($0.unit, "\($0.best)–\($0.worst)") })
            let hasData = data.values.contains { $0.values.contains { $0 != nil } }
            model["indexName"] = lang == .vi ? def.nameVi : def.nameEn
            model["dimensions"] = def.dimensions.map { ["name": lang == .vi ? $0.nameVi : $0.nameEn, "code": $0.code] }
            model["scores"] = hasData
                ? result.scores.map { s -> [String: Any] in
                    [
                        "rank": s.rank, "province": provinceName(s.unit, lang), "score": fmt(s.score), "range": ranges[s.unit] ?? "",
                        "dims": def.dimensions.map { ["v": fmt(s.dimensions[$0.code])] },
                    ]
                } : []
            model["hasScores"] = hasData && !result.scores.isEmpty
            model["imputedCount"] = result.imputed.count
        }
        var rows: [[String: Any]] = []
        for i in catalogue.values.sorted(by: { $0.code < $1.code }) {
            let agg = try await service.aggregate(i.code, period: String(year), catalogue: catalogue, hierarchy: hierarchy)
            rows.append(["code": i.code, "name": lang == .vi ? i.nameVi : i.nameEn, "unit": i.unit, "value": fmt(agg["VN"]?[String(year)]?.value)])
        }
        model["indicatorRows"] = rows
        var targets: [[String: Any]] = []
        for t in try await services.store.targets(indicator: nil, unit: nil) {
            guard let i = catalogue[t.indicator] else { continue }
            let value = try await service.aggregate(t.indicator, period: String(year), catalogue: catalogue, hierarchy: hierarchy)[t.unit]?[String(year)]?.value
            let p = TargetProgress.evaluate(t, direction: i.direction, year: year, value: value)
            targets.append([
                "indicator": lang == .vi ? i.nameVi : i.nameEn, "unit": t.unit == "VN" ? labels["nation", default: "nation"] : provinceName(t.unit, lang),
                "value": fmt(value), "target": "\(fmt(t.targetValue)) (\(t.targetYear))", "status": labels[p.status.rawValue, default: p.status.rawValue],
                "color": Self.statusColors[p.status.rawValue, default: "#9e9e9e"], "source": t.source,
            ])
        }
        model["targets"] = targets
        return model
    }
}
