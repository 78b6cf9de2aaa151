import Foundation
import XanhCore
import XanhServices
import XanhStore

/// The public page of the green-growth indicators: the composite index ranking with each rank's range, the nation's
/// value of every indicator, and the progress of the targets.
extension WebController {
    static let statusColors = ["achieved": "#00a651", "on_track": "#7cc242", "at_risk": "#f5a623", "off_track": "#e53935", "no_data": "#9e9e9e"]

    func indicators(_ lang: Language, year: Int) async throws -> WebPage<IndicatorsPage> {
        let words = labels.indicators(lang)
        var page = IndicatorsPage(ind: words, year: year, prevYear: year - 1, nextYear: year + 1)
        let service = IndicatorService(store: services.store)
        let catalogue = try await service.catalogue()
        let hierarchy = try await service.hierarchy()
        func fmt(_ d: Double?) -> String { d.map { abs($0) >= 100 ? String(format: "%.0f", $0) : String(format: "%.1f", $0) } ?? "—" }
        if let def = try IndexCatalogue.bundled().indexes.first {
            // A public page: approved values only.
            let data = try await service.indexData(def, year: year, statuses: [.approved])
            let result = CompositeIndex.compute(def, data: data)
            let ranges = Dictionary(
                uniqueKeysWithValues: CompositeIndex.sensitivity(def, data: data, runs: 200, seed: 1).units.map {
                    ($0.unit, "\($0.best)–\($0.worst)")
                })
            let hasData = data.values.contains { $0.values.contains { $0 != nil } }
            page.indexName = lang == .vi ? def.nameVi : def.nameEn
            page.dimensions = def.dimensions.map { .init(name: lang == .vi ? $0.nameVi : $0.nameEn, code: $0.code) }
            if hasData {
                page.scores = result.scores.map { s in
                    .init(
                        rank: s.rank, province: provinceName(s.unit, lang), score: fmt(s.score), range: ranges[s.unit] ?? "",
                        dims: def.dimensions.map { fmt(s.dimensions[$0.code]) })
                }
            }
            page.hasScores = !page.scores.isEmpty
            page.imputedCount = result.imputed.count
        }
        for i in catalogue.values.sorted(by: { $0.code < $1.code }) {
            let agg = try await service.aggregate(i.code, statuses: [.approved], period: String(year), catalogue: catalogue, hierarchy: hierarchy)
            page.indicatorRows.append(
                .init(code: i.code, name: lang == .vi ? i.nameVi : i.nameEn, unit: i.unit, value: fmt(agg["VN"]?[String(year)]?.value)))
        }
        for t in try await services.store.targets(indicator: nil, unit: nil) {
            guard let i = catalogue[t.indicator] else { continue }
            let value = try await service.aggregate(
                t.indicator, statuses: [.approved], period: String(year), catalogue: catalogue, hierarchy: hierarchy)[t.unit]?[
                    String(year)]?.value
            let p = TargetProgress.evaluate(t, direction: i.direction, year: year, value: value)
            page.targets.append(
                .init(
                    indicator: lang == .vi ? i.nameVi : i.nameEn,
                    unit: t.unit == "VN" ? words["nation", default: "nation"] : provinceName(t.unit, lang),
                    value: fmt(value), target: "\(fmt(t.targetValue)) (\(t.targetYear))",
                    status: words[p.status.rawValue, default: p.status.rawValue],
                    color: Self.statusColors[p.status.rawValue, default: "#9e9e9e"], source: t.source))
        }
        return layout(lang, title: words["title", default: "title"], path: "/indicators", page)
    }
}
